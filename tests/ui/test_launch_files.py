"""`avatar-studio a.vrm` — how a file manager's "Open with" and the desktop entry's ``%F`` start the
app — opens the studio with the files added to the wardrobe, instead of failing as an unknown
command. Anything else still reaches the command-line parser."""

from __future__ import annotations

from pathlib import Path

import pytest

import studio.ui.launch as launch_module
from studio.cli import main
from studio.ui.launch import open_files
from tests.ui.avatars import VRM0_MORPH, VRM1, VRM1_TITLE


def test_avatar_files_open_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(launch_module, "launch", lambda argv=None, files=(): opened.append(list(files)) or 0)
    upper = tmp_path / "Second.GLB"
    upper.write_bytes(VRM1.read_bytes())
    assert main([str(VRM1), str(upper)]) == 0
    assert opened == [[str(VRM1), str(upper)]]


def test_other_arguments_stay_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setattr(launch_module, "launch", lambda argv=None, files=(): pytest.fail("the app opened"))
    with pytest.raises(SystemExit):
        main([str(tmp_path / "missing.vrm")])  # not a file: the parser says what is wrong
    assert "invalid choice" in capsys.readouterr().err
    notes = tmp_path / "notes.txt"
    notes.write_text("hi")
    with pytest.raises(SystemExit):
        main([str(notes)])


def test_opened_files_are_added_and_a_bad_one_says_why(make_main_window, make_studio, tmp_path: Path) -> None:
    studio = make_studio()
    window = make_main_window(studio)
    broken = tmp_path / "broken.vrm"
    broken.write_bytes(b"glTF" + b"\x00" * 40)
    open_files(window, [str(broken), str(VRM1)])
    names = [e.name for e in studio.wardrobe.list(studio.identity())]
    assert names == [VRM1_TITLE]  # the good file came in after the bad one was refused
    assert window.wardrobe.entry is not None and window.wardrobe.entry.name == VRM1_TITLE  # and is open


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
    qtbot.waitUntil(lambda: window.wardrobe.task is None, timeout=60000)
    assert "busy" not in window.wardrobe.message.text()  # neither file was turned away
