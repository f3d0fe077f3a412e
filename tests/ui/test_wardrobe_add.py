"""The wardrobe's Add menu (QA finding 4): enabled now that the composition root offers
``studio.avatars``; a file is validated and stored through the same service as `wardrobe add`."""

from __future__ import annotations

from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from tests.fixtures.paths import DATA_DIR
from tests.ui.avatars import VRM1, VRM1_TITLE

INVALID = DATA_DIR / "invalid" / "validator" / "node__unresolved_skin.gltf"


def test_add_from_a_file_stores_it_and_lists_it(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = window.wardrobe
    assert pane.add_button.isEnabled()
    pane.add_from_file(VRM1)
    entries = studio.wardrobe.list(studio.identity())
    assert [e.name for e in entries] == [VRM1_TITLE]
    assert studio.read_blob(entries[0].glb_url) == VRM1.read_bytes()
    assert [e.name for e in pane.entries()] == [VRM1_TITLE]  # model -> view
    assert pane.selected_entry().id == entries[0].id


def test_an_invalid_file_is_refused_in_plain_words(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    pane = window.wardrobe
    pane.add_from_file(INVALID)
    assert "must be defined" in pane.message.text()
    assert studio.wardrobe.list(studio.identity()) == []


def test_add_a_prebuilt_from_the_menu(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    window.wardrobe.add_prebuilt("default-masc-01")
    (entry,) = studio.wardrobe.list(studio.identity())
    assert entry.name == "default-masc-01" and validate(read_glb(studio.read_blob(entry.glb_url))).ok
