"""Bad files explained in plain words (QA M7): what the wardrobe shows when a file is refused."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QWidget

from studio.domain.errors import InvalidInputError
from studio.gltf.errors import GltfError
from studio.ui.messages import friendly, local_time
from studio.ui.widgets import banner_over, plain_message, show_error_banner
from tests.ui.avatars import VRM1

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
ZIP = b"PK\x03\x04" + b"\x00" * 200


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("fake.vrm", PNG, "fake.vrm: This is a PNG image, not a VRM/GLB avatar. [GLB_INVALID_MAGIC]"),
        ("pack.vrm", ZIP, "pack.vrm: This is a ZIP archive, not a VRM/GLB avatar. [GLB_INVALID_MAGIC]"),
        ("empty.vrm", b"", "empty.vrm: The file is empty or incomplete"),
        (
            "cut.vrm",
            VRM1.read_bytes()[:60000],
            "cut.vrm: The file is incomplete (maybe the download",
        ),
    ],
)
def test_a_refused_file_is_explained_in_plain_words(
    make_main_window, make_studio, tmp_path: Path, name: str, data: bytes, expected: str
) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    path = tmp_path / name
    path.write_bytes(data)
    window.wardrobe.add_from_file(path)
    shown = window.wardrobe.message.text()
    assert shown.startswith(expected), shown
    assert "0x" not in shown and "byte" not in shown  # no magic numbers, no offsets
    assert studio.wardrobe.list(studio.identity()) == []  # nothing was added
    from studio.ui.widgets import Banner

    banner = window.wardrobe.findChild(Banner, "banner")
    assert banner is not None and not banner.isHidden() and banner.text() in shown  # also on the banner


def test_a_file_over_the_limit_gives_sizes_in_mb(make_main_window, make_studio, tmp_path: Path) -> None:
    studio = make_studio(max_vrm_bytes=str(2 * 2**20))
    window = make_main_window(studio)
    path = tmp_path / "huge.vrm"
    with path.open("wb") as fh:
        fh.truncate(5 * 2**20 + 2**19)  # 5.5 MB, sparse
    window.wardrobe.add_from_file(path)
    shown = window.wardrobe.message.text()
    assert "huge.vrm: The file is too large: 5.5 MB — the limit is 2.0 MB." in shown, shown


def test_messages_keep_the_technical_details_and_other_errors_as_they_are() -> None:
    error = GltfError("VRM_EXTENSION_MISSING", "/extensions", "a.vrm: no VRM extension")
    message = friendly(error)
    assert message.text.startswith("a.vrm: This is a plain 3D model, not a VRM avatar")
    assert "VRM_EXTENSION_MISSING" in message.details and message.line.endswith("[VRM_EXTENSION_MISSING]")
    assert plain_message(InvalidInputError("the name is empty")) == "the name is empty"
    unknown = GltfError("MESH_PRIMITIVE_INVALID_ATTRIBUTE", "/meshes/0", "Invalid attribute")
    assert plain_message(unknown) == str(unknown)  # no mapping: the validator's own words
    assert "details are in the log" in plain_message(KeyError("x"))


def test_an_error_banner_lies_over_the_pane_without_moving_it(qtbot) -> None:
    pane = QWidget()
    qtbot.addWidget(pane)
    pane.resize(400, 300)
    pane.show()
    magic = GltfError("GLB_INVALID_MAGIC", "byte 0", "Invalid GLB magic value (0x474e5089).")
    banner = show_error_banner(pane, magic)
    assert banner.isVisible() and banner.text() == "This is a PNG image, not a VRM/GLB avatar."
    assert "GLB_INVALID_MAGIC" in banner.toolTip()  # the technical text stays one hover away
    assert pane.rect().contains(banner.geometry()) and banner.geometry().bottom() > 200
    assert show_error_banner(pane, InvalidInputError("again")) is banner  # one banner, reused
    banner.hide()
    assert banner.text() == ""


def test_times_are_said_in_local_words() -> None:
    now = datetime(2026, 11, 24, 10, 0).astimezone()
    assert local_time(now + timedelta(hours=2), now) == f"today at {(now + timedelta(hours=2)):%H:%M}"
    tomorrow = now + timedelta(days=1, minutes=-5)
    assert local_time(tomorrow, now) == f"tomorrow at {tomorrow:%H:%M}"


def test_a_banner_of_several_wrapped_lines_shows_all_of_them(qtbot) -> None:
    pane = QWidget()
    qtbot.addWidget(pane)
    pane.resize(420, 500)  # the wardrobe pane's width in a 1400 px window
    pane.show()
    reasons = [
        "• broken.vrm: This GLB file uses an unknown container version; only glTF 2.0 can be read.",
        "• notes.txt: This is not an avatar file: the studio opens .vrm, .glb and .gltf files.",
    ]
    text = "\n".join(["2 of 3 files were not added:", *reasons])
    banner = banner_over(pane)
    banner.show_message("Adding file1.vrm…", kind="info")  # a one-line message first, as in the app
    qtbot.waitExposed(banner)
    banner.show_message(text, kind="error")
    label = banner.label
    assert label.height() >= label.heightForWidth(label.width())  # no line cut off at the top or bottom
    assert pane.rect().contains(banner.geometry())
