"""Gallery pane: own history and the public gallery, newest first, searchable by prompt.

Model/view: :class:`GalleryModel` pulls keyset pages on demand (``canFetchMore``/``fetchMore``,
one page at a time on a worker) and thumbnails only for rows a view actually paints. Thumbnail
requests are served newest-request-first, so when the user flings the scroll bar the rows now on
screen load before the ones that flew past; a small LRU keeps memory flat at 10,000 rows.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QImage, QPainter
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.domain.errors import NotFoundError
from studio.ui.tasks import TaskContext, TaskRunner
from studio.ui.widgets import image_from_bytes, plain_message

THUMB = 96
PAGE_SIZE = 200
MAX_IN_FLIGHT = 4
MAX_QUEUED = 48
CACHE_SIZE = 600
ItemRole = Qt.ItemDataRole.UserRole + 1
AnyIndex = QModelIndex | QPersistentModelIndex
CHOSEN = "✓ chosen"
CHOSEN_FRAME, CHOSEN_FRAME_WIDTH = "#3d8eea", 6


class GallerySource:
    """Where the rows and pictures come from: the gallery service's public keyset pages, the
    player's own history, and image bytes by reference (the generation service keeps them)."""

    def __init__(self, gallery: Any, image_bytes: Callable[[str], bytes], me: Callable[[], Any]) -> None:
        self.gallery, self._image_bytes, self.me = gallery, image_bytes, me

    def page(self, scope: str, query: str, cursor: Any, limit: int) -> Any:
        """One page: ``.items`` newest first and ``.next_cursor`` (None at the end)."""
        if scope == "public":
            return self.gallery.page(limit=limit, cursor=cursor, search=query or None)
        # My history: every kept image; ``limit`` generations (up to four images each) a page.
        return self.gallery.history_page(
            self.me().username, limit=max(1, limit // 4), cursor=cursor, search=query or None
        )

    def image_bytes(self, item: Any) -> bytes:
        ref = item.image_url or (item.image_urls[0] if item.image_urls else None)
        if not ref:
            raise NotFoundError("this generation kept no image")
        return self._image_bytes(ref)


class GalleryModel(QAbstractListModel):
    """Rows of generation records; ``failed(str)`` when a page or thumbnail cannot be loaded."""

    failed = Signal(str)
    loaded = Signal()  # a page arrived

    def __init__(self, source: GallerySource, runner: TaskRunner, parent: Any = None) -> None:
        super().__init__(parent)
        self.source, self.runner = source, runner
        self.items: list[Any] = []
        self._rows: dict[str, int] = {}
        self.scope, self.query = "public", ""
        self._cursor: Any = None
        self._more = True
        self._fetching = False
        self._generation = 0  # bumps on every reset so late pages of an old query are dropped
        self._thumbs: OrderedDict[str, QImage] = OrderedDict()
        self._queue: list[str] = []
        self._in_flight: set[str] = set()
        self._placeholder = QImage(THUMB, THUMB, QImage.Format.Format_ARGB32)
        self._placeholder.fill(QColor("#3a3f44"))
        self._bold = QFont()
        self._bold.setBold(True)

    # Qt model API -------------------------------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.items)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self.items):
            return None
        item = self.items[index.row()]
        chosen = getattr(item, "chosen", False)
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{CHOSEN} · {_short(item.prompt, 28)}" if chosen else _short(item.prompt)
        if role == Qt.ItemDataRole.ToolTipRole:
            style = f" [{item.style}]" if getattr(item, "style", None) else ""
            return ("Your profile avatar\n" if chosen else "") + f"{item.prompt}{style}"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(item)
        if role == Qt.ItemDataRole.FontRole and chosen:
            return self._bold
        if role == ItemRole:
            return item
        return None

    def canFetchMore(self, parent: AnyIndex = QModelIndex()) -> bool:
        return not parent.isValid() and self._more and not self._fetching

    def fetchMore(self, parent: AnyIndex = QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        self._fetching = True
        generation, cursor, scope, query = self._generation, self._cursor, self.scope, self.query

        def work(ctx: TaskContext) -> Any:
            return self.source.page(scope, query, cursor, PAGE_SIZE)

        self.runner.submit(
            "gallery page",
            work,
            on_done=lambda page: self._page(generation, page),
            on_error=lambda exc: self._page_failed(generation, exc),
            owner=self,
        )

    # Loading ------------------------------------------------------------------------------------
    def reset(self, scope: str | None = None, query: str | None = None) -> None:
        self.beginResetModel()
        self.scope = self.scope if scope is None else scope
        self.query = self.query if query is None else query
        self.items, self._cursor, self._more, self._fetching = [], None, True, False
        self._rows = {}
        self._queue.clear()
        self._generation += 1
        self.endResetModel()
        self.fetchMore()

    def _page(self, generation: int, page: Any) -> None:
        if generation != self._generation:
            return
        self._fetching = False
        new = list(page.items)
        self._cursor, self._more = page.next_cursor, page.next_cursor is not None and bool(new)
        if new:
            first = len(self.items)
            self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
            self.items.extend(new)
            self._rows.update((_key(item), first + n) for n, item in enumerate(new))
            self.endInsertRows()
        self.loaded.emit()

    def _page_failed(self, generation: int, error: BaseException) -> None:
        if generation == self._generation:
            self._fetching, self._more = False, False
            self.failed.emit(plain_message(error))

    def _thumbnail(self, item: Any) -> QImage:
        key = _key(item)
        image = self._thumbs.get(key)
        if image is not None:
            self._thumbs.move_to_end(key)
            return image
        if key not in self._in_flight:
            if key in self._queue:
                self._queue.remove(key)
            self._queue.append(key)
            del self._queue[:-MAX_QUEUED]  # rows that scrolled away long ago are not worth loading
            QTimer.singleShot(0, self, self._pump)
        return self._placeholder

    def _pump(self) -> None:
        while self._queue and len(self._in_flight) < MAX_IN_FLIGHT:
            key = self._queue.pop()  # newest request first: what is on screen now
            row = self._row_of(key)
            if row is None:
                continue
            self._in_flight.add(key)
            item = self.items[row]

            def work(ctx: TaskContext, item: Any = item) -> QImage:
                image = image_from_bytes(self.source.image_bytes(item), THUMB)
                return _framed(image) if getattr(item, "chosen", False) else image

            self.runner.submit(
                "thumbnail",
                work,
                on_done=partial(self._thumb_loaded, key),
                on_error=partial(self._thumb_failed, key),
                owner=self,
            )

    def _thumb_failed(self, key: str, _error: BaseException) -> None:
        self._thumb_loaded(key, None)

    def _thumb_loaded(self, key: str, image: QImage | None) -> None:
        self._in_flight.discard(key)
        if image is None or image.isNull():
            image = self._placeholder
        self._thumbs[key] = image
        while len(self._thumbs) > CACHE_SIZE:
            self._thumbs.popitem(last=False)
        row = self._row_of(key)
        if row is not None:
            index = self.index(row)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])
        QTimer.singleShot(0, self, self._pump)

    def _row_of(self, key: str) -> int | None:
        return self._rows.get(key)


def _key(item: Any) -> str:
    """Cache key of a row's thumbnail: the chosen one is drawn framed, so it is cached apart."""
    return f"{item.id}/chosen" if getattr(item, "chosen", False) else str(item.id)


def _framed(image: QImage) -> QImage:
    """The profile avatar's thumbnail, framed in the accent colour (painted once, on the worker)."""
    if image.isNull():
        return image
    framed = image.convertToFormat(QImage.Format.Format_ARGB32)
    painter = QPainter(framed)
    colour, w, h, edge = QColor(CHOSEN_FRAME), framed.width(), framed.height(), CHOSEN_FRAME_WIDTH
    sides = ((0, 0, w, edge), (0, h - edge, w, edge), (0, 0, edge, h), (w - edge, 0, edge, h))
    for x, y, width, height in sides:
        painter.fillRect(x, y, width, height, colour)
    painter.end()
    return framed


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class GalleryPane(QWidget):
    """``recall(prompt, style)`` when the user wants a gallery prompt back in the prompt pane."""

    recall = Signal(str, object)

    def __init__(self, source: GallerySource, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = GalleryModel(source, runner, self)
        self.scope = QComboBox()
        self.scope.addItem("Public gallery", "public")
        self.scope.addItem("My history", "mine")
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search prompts")
        self.search.setClearButtonEnabled(True)
        self.view = QListView()
        self.view.setViewMode(QListView.ViewMode.IconMode)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setUniformItemSizes(True)  # constant-time layout for 10,000 rows
        self.view.setLayoutMode(QListView.LayoutMode.Batched)  # lay out new pages in slices, not one go
        self.view.setBatchSize(100)
        self.view.setMovement(QListView.Movement.Static)
        self.view.setIconSize(QSize(THUMB, THUMB))
        self.view.setGridSize(QSize(THUMB + 24, THUMB + 36))
        self.view.setWordWrap(True)
        self.view.setModel(self.model)
        self.recall_button = QPushButton("Use this prompt")
        self.status = QLabel()
        self.empty = QLabel(self.view.viewport())  # said in the list itself, where the user looks
        self.empty.setObjectName("galleryEmpty")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)  # drawn in the muted (disabled) text colour
        self.empty.hide()
        self._debounce = QTimer(self, singleShot=True, interval=250)
        self._layout()
        self._debounce.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _: self._debounce.start())
        self.scope.currentIndexChanged.connect(lambda _: self.refresh())
        self.view.doubleClicked.connect(self._recall_index)
        self.recall_button.clicked.connect(lambda: self._recall_index(self.view.currentIndex()))
        self.recall_button.setEnabled(False)  # until a portrait is selected
        self.recall_button.setToolTip("Select a portrait first")
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._sync_recall())
        self.model.modelReset.connect(self._sync_recall)
        self.model.failed.connect(self.status.setText)
        self.model.loaded.connect(self._count)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.scope)
        top.addWidget(self.search, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.status, 1)
        bottom.addWidget(self.recall_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addLayout(bottom)
        over = QVBoxLayout(self.view.viewport())
        over.addWidget(self.empty)

    def refresh(self) -> None:
        self.status.clear()
        self.empty.hide()
        self.model.reset(scope=self.scope.currentData(), query=self.search.text().strip())

    def history_changed(self) -> None:
        """A generation finished or the profile avatar changed: "My history" shows it at once."""
        if self.scope.currentData() == "mine":
            self.refresh()

    def _count(self) -> None:
        more = "+" if self.model.canFetchMore() else ""
        count = len(self.model.items)
        self.empty.setVisible(count == 0)
        if count == 0:
            words = self.model.query
            text = f"No portraits match “{words}”." if words else self._nothing_yet()
            self.status.setText(text)
            self.empty.setText(text + ("\nTry fewer or other words." if words else ""))
            return
        self.status.setText(f"{count}{more} portrait{'' if count == 1 and not more else 's'}")

    def _nothing_yet(self) -> str:
        if self.model.scope == "mine":
            return "You have no portraits yet. Describe one in the Prompt pane and press Generate."
        return "No portraits here yet."

    def _sync_recall(self) -> None:
        selected = self.view.selectionModel().hasSelection()
        self.recall_button.setEnabled(selected)
        self.recall_button.setToolTip(
            "Put this prompt and style into the Prompt pane" if selected else "Select a portrait first"
        )

    def _recall_index(self, index: QModelIndex) -> None:
        item = self.model.data(index, ItemRole)
        if item is not None:
            self.recall.emit(item.prompt, getattr(item, "style", None))
