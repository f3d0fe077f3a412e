from __future__ import annotations

import io
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
