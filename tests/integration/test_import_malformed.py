"""Malformed avatar files through the CLI as a user meets them: `studio wardrobe add FILE` and
`studio export FILE` give one clear `error:` line (exit 1), and leave nothing behind: no blob in
STUDIO_HOME, no wardrobe row, no exported file. The files are generated here from a valid avatar
(truncations, container edits, JSON edits, a damaged texture); see docs/corpus.md for the run on
the shared VRM/glTF corpus these cases came from."""

from __future__ import annotations

import io
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from studio.app import open_studio
from studio.cli import main
from studio.gltf.glb import pack_glb
from studio.gltf.io import read_glb
from tests.unit.gltf.seeds import make_avatar

ADDRESS = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
ME = ("--username", "qa_tester", "--address", ADDRESS)
BASE = make_avatar(vertices=64, morphs=2, texture_size=16, textures=1, vrm="1.0")


def _json_edit(edit: Callable[[dict[str, Any]], Any]) -> Callable[[bytes], bytes]:
    def apply(data: bytes) -> bytes:
        doc = read_glb(data)
        edit(doc.json)
        return pack_glb(doc.json, doc.bin)

    return apply


def _zero_png_tail(data: bytes) -> bytes:
    """The texture's second half zeroed: Pillow raised SyntaxError inside `wardrobe add`."""
    out = bytearray(data)
    start = out.index(b"\x89PNG")
    end = out.index(b"IEND", start) + 8
    half = start + (end - start) // 2
    out[half:end] = bytes(end - half)
    return bytes(out)


def _set_u32(offset: int, value: int) -> Callable[[bytes], bytes]:
    return lambda d: d[:offset] + struct.pack("<I", value) + d[offset + 4 :]


JSON_LENGTH = struct.unpack_from("<I", BASE, 12)[0]
CASES: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "empty": (lambda d: b"", "GLB_UNEXPECTED_END_OF_HEADER"),
    "cut-in-header": (lambda d: d[:10], "GLB_UNEXPECTED_END_OF_HEADER"),
    "cut-in-json": (lambda d: d[: 20 + JSON_LENGTH // 2], "GLB_UNEXPECTED_END_OF_CHUNK_DATA"),
    "cut-in-bin": (lambda d: d[: len(d) - 100], "GLB_UNEXPECTED_END_OF_CHUNK_DATA"),
    "magic": (lambda d: b"glTX" + d[4:], "GLB_INVALID_MAGIC"),
    "declared-length": (_set_u32(8, len(BASE) + 64), "GLB_LENGTH_MISMATCH"),
    "json-chunk-type": (lambda d: d[:16] + b"NOSJ" + d[20:], "GLB_UNEXPECTED_FIRST_CHUNK"),
    "json-garbage": (lambda d: d[:40] + b"\xff\xfe\x00" + d[43:], "INVALID_JSON"),
    "accessor-count": (
        _json_edit(lambda t: t["accessors"][0].__setitem__("count", 2**31 - 1)),
        "ACCESSOR_TOO_LONG",
    ),
    "buffer-view-range": (
        _json_edit(lambda t: t["bufferViews"][0].__setitem__("byteOffset", 2**40)),
        "BUFFER_VIEW_TOO_LONG",
    ),
    "texture-damaged": (_zero_png_tail, "IMAGE_DATA_INVALID"),
    "vrm-expression-type": (
        _json_edit(lambda t: t["extensions"]["VRMC_vrm"]["expressions"].__setitem__("custom", {"x": 1})),
        "TYPE_MISMATCH",
    ),
    "vrm-extension-type": (
        _json_edit(lambda t: t["extensions"].__setitem__("VRMC_vrm", "yes")),
        "TYPE_MISMATCH",
    ),
}


def _leftovers(home: Path) -> list[str]:
    blobs = home / "data" / "blobs"
    return (
        sorted(str(p.relative_to(blobs)) for p in blobs.rglob("*") if p.is_file()) if blobs.exists() else []
    )


def _one_error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("case", list(CASES))
def test_malformed_file_is_refused_cleanly(
    case: str, studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    damage, code = CASES[case]
    path = tmp_path / f"{case}.vrm"
    path.write_bytes(damage(BASE))
    assert main(["wardrobe", "add", str(path), *ME]) == 1
    assert code in _one_error_line(capsys)
    assert _leftovers(studio_home) == []
    studio = open_studio()
    assert studio.wardrobe.list(studio.identity("qa_tester", ADDRESS)) == []
    out = tmp_path / "out"
    assert main(["export", str(path), "--out", str(out)]) == 1
    assert code in _one_error_line(capsys)
    assert not out.exists() or not any(out.iterdir())


def test_file_over_the_size_limit_is_refused_before_reading(
    studio_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("STUDIO_MAX_VRM_BYTES", str(len(BASE) - 1))
    path = tmp_path / "big.vrm"
    path.write_bytes(BASE)
    assert main(["wardrobe", "add", str(path), *ME]) == 1
    assert "FILE_TOO_LARGE" in _one_error_line(capsys)
    assert _leftovers(studio_home) == []


def test_the_undamaged_base_imports(
    studio_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The control: the same harness sees what a successful import leaves."""
    path = tmp_path / "base.vrm"
    path.write_bytes(BASE)
    assert main(["wardrobe", "add", str(path), *ME]) == 0
    assert len(_leftovers(studio_home)) >= 1
    studio = open_studio()
    assert len(studio.wardrobe.list(studio.identity("qa_tester", ADDRESS))) == 1
    capsys.readouterr()


def test_damaged_texture_case_really_damages_a_png() -> None:
    damaged = _zero_png_tail(BASE)
    start = damaged.index(b"\x89PNG")
    with pytest.raises((OSError, SyntaxError)):
        Image.open(io.BytesIO(damaged[start : start + 4096])).load()
