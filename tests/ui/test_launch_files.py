"""`avatar-studio a.vrm` — how a file manager's "Open with" and the desktop entry's ``%F`` start the
app — opens the studio with the files added to the wardrobe, instead of failing as an unknown
command. Anything else still reaches the command-line parser."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

import studio.ui.launch as launch_module
from studio.cli import main
from studio.ui.launch import open_files
from studio.ui.widgets import Banner
from tests.ui.avatars import VRM0_MORPH, VRM1, VRM1_TITLE


def banner_text(window) -> str:
    banner = window.wardrobe.findChild(Banner, "banner", Qt.FindChildOption.FindDirectChildrenOnly)
    return "" if banner is None or banner.isHidden() else banner.label.text()


def test_avatar_files_open_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(launch_module, "launch", lambda argv=None, files=(): opened.append(list(files)) or 0)
    upper = tmp_path / "Second.GLB"
    upper.write_bytes(VRM1.read_bytes())
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    box = tmp_path / "box.gltf"
    box.write_text("{}")
    assert main([str(VRM1), str(upper)]) == 0
    assert main([str(VRM1), str(box), str(notes)]) == 0  # the app refuses notes.txt, saying why
    assert opened == [[str(VRM1), str(upper)], [str(VRM1), str(box), str(notes)]]


def test_other_arguments_stay_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(launch_module, "launch", lambda argv=None, files=(): pytest.fail("the app opened"))
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.vrm")])  # not a file: the parser says what is wrong
    assert "invalid choice" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    with pytest.raises(SystemExit):
        main([str(notes)])  # no avatar file at all
    with pytest.raises(SystemExit):
        main(["--frobnicate", str(VRM1)])  # an option: the parser's business
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["inspect", "--help"])  # a real command still runs
    assert "usage: studio inspect" in capsys.readouterr().out


def test_opened_files_are_added_and_a_bad_one_says_why(make_main_window, make_studio, tmp_path: Path) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    broken = tmp_path / "broken.vrm"
    broken.write_bytes(b"glTF" + b"\x00" * 40)
    open_files(window, [str(broken), str(VRM1)])
    names = [e.name for e in studio.wardrobe.list(studio.identity())]
    assert names == [VRM1_TITLE]  # the good file came in after the bad one was refused
    assert window.wardrobe.entry is not None and window.wardrobe.entry.name == VRM1_TITLE  # and is open
    assert "broken.vrm" in banner_text(window)


def test_every_refused_file_is_listed_with_its_reason(make_main_window, make_studio, tmp_path: Path) -> None:
    """QA3 F16/F18: several refusals at once each say why, on one banner; the good file still opens."""
    studio = make_studio()
    window = make_main_window(studio)
    truncated = tmp_path / "truncated.vrm"
    truncated.write_bytes(VRM1.read_bytes()[:3000])
    notes = tmp_path / "notes.vrm"
    notes.write_text("just some notes, not an avatar\n" * 10)
    text = tmp_path / "readme.txt"
    text.write_text("hello")
    files = [truncated, notes, text, tmp_path / "gone.glb", VRM1]
    open_files(window, [str(f) for f in files])
    shown = banner_text(window)
    assert shown.startswith("4 of 5 files were not added:")
    lines = shown.splitlines()[1:]
    names = [line.split(":")[0] for line in lines]
    assert names == ["• truncated.vrm", "• notes.vrm", "• readme.txt", "• gone.glb"]
    assert "not a VRM/GLB avatar" in lines[1]
    assert ".vrm, .glb and .gltf" in lines[2]
    assert "does not exist" in lines[3]
    assert all(len(line.split(": ", 1)[1]) > 10 for line in lines)  # each has a reason
    assert [e.name for e in studio.wardrobe.list(studio.identity())] == [VRM1_TITLE]
    assert window.wardrobe.entry is not None and window.wardrobe.entry.name == VRM1_TITLE


def test_good_files_leave_no_refusal_banner(make_main_window, make_studio) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    open_files(window, [str(VRM1)])
    assert banner_text(window) == ""
    assert window.wardrobe.entry is not None and window.wardrobe.entry.name == VRM1_TITLE


def test_nothing_is_added_before_someone_signs_in(make_main_window, make_studio) -> None:
    studio = make_studio(identity=False)
    window = make_main_window(studio)
    open_files(window, [str(VRM1)])  # onboarding was cancelled: the files wait for nobody
    assert not window.has_identity()


def test_several_files_come_in_one_after_another(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    window = make_main_window(studio, synchronous=False)  # real worker threads, as in the app
    open_files(window, [str(VRM1), str(VRM0_MORPH)])
    qtbot.waitUntil(lambda: len(studio.wardrobe.list(studio.identity())) == 2, timeout=60000)
    qtbot.waitUntil(lambda: window.wardrobe.task is None and window.runner.running == 0, timeout=60000)
    assert "busy" not in window.wardrobe.message.text()  # neither file was turned away
    assert banner_text(window) == ""


@pytest.mark.parametrize("open_active", [False, True])
def test_the_opened_file_is_what_the_window_shows(make_main_window, make_studio, qtbot, open_active) -> None:
    """QA3 F11: one file opened at start ends up open, not the active avatar (also when the active
    one is being opened at the same moment, as in a window that is already running)."""
    studio = make_studio()
    active = studio.avatars.add_file(studio.identity(), VRM0_MORPH)  # the first avatar is the active one
    window = make_main_window(studio, synchronous=False, show=True)
    open_files(window, [str(VRM1)])
    window.start(open_active=open_active)
    shows = lambda name: window.wardrobe.entry is not None and window.wardrobe.entry.name == name  # noqa: E731
    qtbot.waitUntil(lambda: shows(VRM1_TITLE) and window.wardrobe.task is None, timeout=60000)
    qtbot.waitUntil(lambda: window.runner.running == 0, timeout=60000)
    qtbot.wait(200)
    assert shows(VRM1_TITLE) and VRM1_TITLE in window.windowTitle()
    assert window.wardrobe.selected_entry().name == VRM1_TITLE
    assert active.name != VRM1_TITLE


def test_without_files_the_active_avatar_opens(make_main_window, make_studio, qtbot) -> None:
    studio = make_studio()
    active = studio.avatars.add_file(studio.identity(), VRM0_MORPH)
    window = make_main_window(studio, synchronous=False)
    window.start()
    qtbot.waitUntil(lambda: window.wardrobe.entry is not None and window.wardrobe.task is None, timeout=60000)
    assert window.wardrobe.entry.name == active.name
