from __future__ import annotations

import io
import itertools
import uuid

from PIL import Image
from PySide6.QtCore import Qt

from studio.ui.panes.gallery_pane import PAGE_SIZE, ItemRole


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(out, "PNG")
    return out.getvalue()


def _fill(studio, count: int, *, username: str = "artist", picture: bytes | None = None) -> None:
    key = f"generations/{username}/{uuid.uuid4()}.png"
    studio.blob_store.put(key, picture or _png("#c04040"))
    for n in range(count):
        prompt = f"knight number {n}" if n % 2 else f"fox ranger {n}"
        studio.gallery.record(
            str(uuid.uuid4()),
            username,
            prompt,
            status="success",
            image_url=key,
            image_urls=[key],
            is_public=True,
            style="fantasy" if n % 3 == 0 else None,
        )


def test_pages_arrive_newest_first_and_more_load_on_scroll(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    _fill(studio, PAGE_SIZE + 50)
    window = make_main_window(studio)
    pane = window.gallery
    pane.refresh()
    assert pane.model.rowCount() == PAGE_SIZE  # one page, not everything
    assert pane.model.canFetchMore()
    pane.model.fetchMore()  # what the view does when the user scrolls to the end
    assert pane.model.rowCount() == PAGE_SIZE + 50 and not pane.model.canFetchMore()
    assert pane.status.text() == f"{PAGE_SIZE + 50} portraits"
    first = pane.model.data(pane.model.index(0), ItemRole)
    last = pane.model.data(pane.model.index(PAGE_SIZE + 49), ItemRole)
    assert first.created_at >= last.created_at


def test_thumbnails_load_lazily_for_painted_rows(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    _fill(studio, 30, picture=_png("#20c020"))
    window = make_main_window(studio, synchronous=False, show=True)
    pane = window.gallery
    window.docks["gallery"].raise_()
    pane.refresh()
    qtbot.waitUntil(lambda: pane.model.rowCount() == 30, timeout=5000)
    index = pane.model.index(0)
    placeholder = pane.model.data(index, Qt.ItemDataRole.DecorationRole)
    assert placeholder.pixelColor(10, 10).name() == "#3a3f44"
    qtbot.waitUntil(
        lambda: pane.model.data(index, Qt.ItemDataRole.DecorationRole).pixelColor(10, 10).green() > 150,
        timeout=5000,
    )
    assert len(pane.model._thumbs) < 30 or pane.view.isVisible()  # only rows asked for were loaded


def test_search_filters_by_prompt_and_recall_fills_the_prompt_pane(make_main_window, make_studio) -> None:
    studio = make_studio()
    _fill(studio, 12)
    window = make_main_window(studio)
    pane = window.gallery
    pane.search.setText("fox")  # view -> model (debounced)
    pane._debounce.timeout.emit()
    prompts = [pane.model.data(pane.model.index(r), ItemRole).prompt for r in range(pane.model.rowCount())]
    assert len(prompts) == 6 and all("fox" in p for p in prompts)
    assert not pane.recall_button.isEnabled()  # nothing selected: nothing to recall
    row = next(
        r
        for r in range(pane.model.rowCount())
        if pane.model.data(pane.model.index(r), ItemRole).style == "fantasy"
    )
    pane.view.setCurrentIndex(pane.model.index(row))
    assert pane.recall_button.isEnabled()
    pane.recall_button.click()
    assert window.prompt.prompt.toPlainText() == prompts[row]
    assert window.prompt.selected_style() == "fantasy"


def test_my_history_shows_only_my_generations(make_main_window, make_studio) -> None:
    studio = make_studio()
    _fill(studio, 3)
    _fill(studio, 4, username="someone")
    window = make_main_window(studio)
    pane = window.gallery
    pane.scope.setCurrentIndex(pane.scope.findData("mine"))
    assert pane.model.rowCount() == 3
    pane.scope.setCurrentIndex(pane.scope.findData("public"))
    assert pane.model.rowCount() == 7


def test_a_search_with_no_matches_says_so(make_main_window, make_studio) -> None:
    studio = make_studio()
    _fill(studio, 3)
    window = make_main_window(studio)
    pane = window.gallery
    pane.search.setText("zeppelin")
    pane._debounce.timeout.emit()
    assert pane.model.rowCount() == 0
    assert pane.status.text() == "No portraits match “zeppelin”."
    pane.search.clear()
    pane._debounce.timeout.emit()
    assert pane.status.text() == "3 portraits"


def _generations(studio, count: int, *, images: int = 4, username: str = "artist") -> list:
    """``count`` successful generations of ``images`` kept pictures each, oldest first."""
    logs = []
    for n in range(count):
        keys = [f"generations/{username}/{uuid.uuid4()}.png" for _ in range(images)]
        for k, key in enumerate(keys):
            studio.blob_store.put(key, _png(f"#{40 * k + 20:02x}80c0"))
        logs.append(
            studio.gallery.record(
                str(uuid.uuid4()), username, f"generation {n}", status="success",
                image_url=keys[0], image_urls=keys, style="fantasy" if n == 0 else None,
            )
        )  # fmt: skip
    return logs


def _rows(pane) -> list:
    return [pane.model.data(pane.model.index(r), ItemRole) for r in range(pane.model.rowCount())]


def test_my_history_lists_every_kept_portrait_and_marks_the_chosen_one(make_main_window, make_studio) -> None:
    studio = make_studio()
    older, newer = _generations(studio, 2)
    _generations(studio, 1, username="someone")  # never in my history
    studio.generation.choose_avatar(studio.identity(), older.id, 2)
    window = make_main_window(studio)
    pane = window.gallery
    pane.scope.setCurrentIndex(pane.scope.findData("mine"))
    rows = _rows(pane)
    # all eight results, newest generation first, each generation's pictures in order
    assert [(r.log_id, r.index) for r in rows] == [(newer.id, n) for n in range(4)] + [
        (older.id, n) for n in range(4)
    ]
    assert [r.image_url for r in rows] == list(newer.image_urls) + list(older.image_urls)
    assert pane.status.text() == "8 portraits"
    texts = [pane.model.data(pane.model.index(r), Qt.ItemDataRole.DisplayRole) for r in range(8)]
    assert [t.startswith("✓ chosen") for t in texts] == [False] * 6 + [True, False]
    assert "profile avatar" in pane.model.data(pane.model.index(6), Qt.ItemDataRole.ToolTipRole)
    assert "profile avatar" not in pane.model.data(pane.model.index(5), Qt.ItemDataRole.ToolTipRole)
    # choosing another portrait moves the mark once the history is told
    studio.generation.choose_avatar(studio.identity(), newer.id, 0)
    pane.history_changed()
    texts = [pane.model.data(pane.model.index(r), Qt.ItemDataRole.DisplayRole) for r in range(8)]
    assert [t.startswith("✓ chosen") for t in texts] == [True] + [False] * 7
    # a search narrows the history to matching generations, still every picture of each
    pane.search.setText("generation 0")
    pane._debounce.timeout.emit()
    assert [(r.log_id, r.index) for r in _rows(pane)] == [(older.id, n) for n in range(4)]


def test_the_chosen_thumbnail_is_framed_and_the_others_are_not(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    (log,) = _generations(studio, 1)
    studio.generation.choose_avatar(studio.identity(), log.id, 1)
    window = make_main_window(studio, synchronous=False, show=True)
    pane = window.gallery
    window.docks["gallery"].raise_()
    pane.scope.setCurrentIndex(pane.scope.findData("mine"))
    qtbot.waitUntil(lambda: pane.model.rowCount() == 4, timeout=5000)

    def corner(row: int) -> str:
        return pane.model.data(pane.model.index(row), Qt.ItemDataRole.DecorationRole).pixelColor(1, 1).name()

    for row in range(4):
        qtbot.waitUntil(lambda row=row: corner(row) != "#3a3f44", timeout=5000)  # loaded
    assert corner(1) == "#3d8eea"  # the accent frame
    assert corner(0) != "#3d8eea" and corner(2) != "#3d8eea"


def test_my_history_pages_through_many_generations(make_main_window, make_studio) -> None:
    studio = make_studio()
    _generations(studio, PAGE_SIZE // 4 + 3, images=4)
    window = make_main_window(studio)
    pane = window.gallery
    pane.scope.setCurrentIndex(pane.scope.findData("mine"))
    assert pane.model.rowCount() == PAGE_SIZE and pane.model.canFetchMore()
    assert pane.status.text() == f"{PAGE_SIZE}+ portraits"
    pane.model.fetchMore()
    rows = _rows(pane)
    assert len(rows) == PAGE_SIZE + 12 and not pane.model.canFetchMore()
    assert len({r.id for r in rows}) == len(rows)  # no picture twice across the page boundary
    assert all(a.created_at >= b.created_at for a, b in itertools.pairwise(rows))


def test_no_matches_are_said_in_the_list_itself(make_main_window, make_studio) -> None:
    studio = make_studio()
    _fill(studio, 3, username="someone")
    window = make_main_window(studio, show=True)
    pane = window.gallery
    window.docks["gallery"].raise_()
    pane.refresh()
    assert pane.empty.isHidden()
    pane.search.setText("zeppelin")
    pane._debounce.timeout.emit()
    assert not pane.empty.isHidden() and pane.empty.text().startswith("No portraits match “zeppelin”.")
    pane.search.clear()
    pane._debounce.timeout.emit()
    assert pane.empty.isHidden() and pane.model.rowCount() == 3
    pane.scope.setCurrentIndex(pane.scope.findData("mine"))  # nothing of mine: says how to start
    assert pane.model.rowCount() == 0 and not pane.empty.isHidden()
    assert pane.empty.text().startswith("You have no portraits yet") and "Generate" in pane.empty.text()


def test_use_this_prompt_waits_for_a_selection(make_main_window, make_studio) -> None:
    studio = make_studio()
    _fill(studio, 2)
    window = make_main_window(studio)
    pane = window.gallery
    pane.refresh()
    window.prompt.prompt.setPlainText("my own words")
    assert not pane.recall_button.isEnabled() and "Select" in pane.recall_button.toolTip()
    pane.recall_button.click()  # disabled: nothing happens
    assert window.prompt.prompt.toPlainText() == "my own words"
    pane.view.setCurrentIndex(pane.model.index(0))
    assert pane.recall_button.isEnabled()
    pane.view.clearSelection()
    assert not pane.recall_button.isEnabled()


def test_my_history_follows_new_generations_without_a_refresh(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = window.gallery
    pane.scope.setCurrentIndex(pane.scope.findData("mine"))
    before = pane.model.rowCount()
    _fill(studio, 1, username=studio.identity().username)  # a generation finishes...
    window.prompt.generated.emit(None)  # ...and the prompt pane says so
    assert pane.model.rowCount() == before + 1  # "My history" shows it at once
