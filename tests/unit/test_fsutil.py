import os
import stat
from pathlib import Path

import pytest

from studio.domain.errors import InvalidInputError
from studio.fsutil import write_atomic


def test_write_atomic_replaces_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "out" / "a.glb"
    write_atomic(target, b"one")
    write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["a.glb"]


def test_written_files_are_readable_by_others_per_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        target = write_atomic(tmp_path / "a.webp", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_unwritable_destinations_raise_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(InvalidInputError, match="is a folder"):
        write_atomic(tmp_path / "dir", b"x")
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    with pytest.raises(InvalidInputError, match="cannot write"):
        write_atomic(blocker / "child.glb", b"x")
    assert blocker.read_bytes() == b""
