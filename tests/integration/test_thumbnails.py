"""``make_thumbnail`` and ``studio thumbnail``: real files in, webp portraits out, no display."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.cli import main
from studio.domain.errors import InvalidInputError, StudioError
from studio.services.thumbnail import make_thumbnail
from tests.unit.render.doll import doll_glb


@pytest.fixture(autouse=True)
def _no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)


@pytest.fixture
def doll_file(tmp_path: Path) -> Path:
    path = tmp_path / "doll.vrm"
    path.write_bytes(doll_glb("1.0"))
    return path


def _is_portrait(path: Path, size: int) -> np.ndarray:
    with Image.open(path) as img:
        assert img.format == "WEBP" and img.size == (size, size)
        px = np.asarray(img.convert("RGBA")).astype(int)
    assert px[..., 3][:4].max() < 20  # transparent above the head
    assert (px[..., 3] > 200).mean() > 0.3
    return px


@pytest.mark.parametrize("size", [256, 512])
def test_make_thumbnail_writes_a_webp_portrait(doll_file: Path, tmp_path: Path, size: int):
    out = tmp_path / "thumbs" / f"doll-{size}.webp"
    seen: list[float | None] = []
    result = make_thumbnail(doll_file, out, size, progress=lambda f, _m: seen.append(f))
    assert result.path == out and result.byte_count == out.stat().st_size
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert set(result.timings) == {"read", "scene", "render", "encode"}
    px = _is_portrait(out, size)
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    skin = (px[..., 3] > 200) & (r > g) & (g > b) & (r - b > 60)
    upper_middle = skin[size // 8 : size // 2, size // 4 : 3 * size // 4]
    assert upper_middle.mean() > 0.5  # the face fills the upper middle


def test_cancel_leaves_no_file(doll_file: Path, tmp_path: Path):
    out = tmp_path / "never.webp"
    with pytest.raises(StudioError, match="cancelled"):
        make_thumbnail(doll_file, out, 256, cancelled=lambda: True)
    assert not out.exists() and not list(tmp_path.glob(".never.webp*"))


def test_bad_size_is_refused(doll_file: Path, tmp_path: Path):
    with pytest.raises(InvalidInputError, match="between 16 and 2048"):
        make_thumbnail(doll_file, tmp_path / "x.webp", 4096)


def test_cli_thumbnail(doll_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    out = tmp_path / "cli.webp"
    assert main(["thumbnail", str(doll_file), "--out", str(out), "--size", "256"]) == 0
    assert "wrote" in capsys.readouterr().out
    _is_portrait(out, 256)


def test_cli_refuses_a_broken_file_without_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    src = tmp_path / "broken.glb"
    src.write_bytes(b"glTF" + os.urandom(40))
    out = tmp_path / "broken.webp"
    assert main(["thumbnail", str(src), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err
    assert not out.exists()


def test_cli_rejects_other_sizes(doll_file: Path, tmp_path: Path):
    with pytest.raises(SystemExit) as exc:
        main(["thumbnail", str(doll_file), "--out", str(tmp_path / "x.webp"), "--size", "300"])
    assert exc.value.code == 2


# -- the studio's own default prebuilts (procedural; no ../shared needed) ---------------------------
GREEN = (0.0, 1.0, 0.0, 1.0)


@pytest.fixture(scope="module")
def prebuilts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from studio.domain.supermesh import parse_supermesh
    from studio.procedural.collection import PREBUILTS
    from studio.services.make_avatar import avatar_bytes

    folder = tmp_path_factory.mktemp("prebuilts")
    files = {}
    for avatar_id, fmt in (("default-fem-01", "vrm1"), ("default-masc-02", "vrm0")):
        files[fmt] = folder / f"{avatar_id}-{fmt}.vrm"
        files[fmt].write_bytes(avatar_bytes(parse_supermesh(PREBUILTS[avatar_id]), fmt))  # type: ignore[arg-type]
    return files


def _scene(path: Path):  # type: ignore[no-untyped-def]
    from studio.gltf.io import load
    from studio.render.scene import build_scene

    return build_scene(load(path))


def _green(px: np.ndarray) -> np.ndarray:
    r, g, b = px[..., 0], px[..., 1], px[..., 2]
    return (g > r + 30) & (g > b + 30) & (px[..., 3] > 200)  # green, however dark the skin texture


def _portrait(scene, size: int = 256) -> np.ndarray:  # type: ignore[no-untyped-def]
    from studio.render.thumbnail import render_thumbnail

    return np.asarray(render_thumbnail(scene, size)).astype(int)


@pytest.mark.parametrize("fmt", ["vrm1", "vrm0"])  # VRM 1.0 faces +Z, 0.x faces -Z
def test_prebuilt_portrait_is_framed_on_the_face(prebuilts: dict[str, Path], tmp_path: Path, fmt: str):
    out = tmp_path / "p.webp"
    make_thumbnail(prebuilts[fmt], out, 512)
    _is_portrait(out, 512)
    scene = _scene(prebuilts[fmt])
    scene.set_material_color("Face_00_SKIN", GREEN)  # paint the face to find it in the picture
    face = _green(_portrait(scene))
    assert face.mean() > 0.07  # the face is large: a portrait, not a full body
    rows, cols = np.nonzero(face)
    assert abs(cols.mean() - 128) < 13  # centred
    assert 70 < rows.mean() < 128  # upper middle
    assert rows.min() > 20  # hair above the forehead is in the picture too


def test_prebuilt_edits_are_visible_where_expected(prebuilts: dict[str, Path]):
    painted = _scene(prebuilts["vrm1"])
    painted.set_material_color("Face_00_SKIN", GREEN)
    face_rows, face_cols = np.nonzero(_green(_portrait(painted)))
    top, bottom = face_rows.min(), face_rows.max()
    scene = _scene(prebuilts["vrm1"])
    before = _portrait(scene)
    mid = (top + bottom) / 2

    scene.set_expression("aa", 1.0)  # open mouth: lower half of the face, centre
    mouth = np.abs(_portrait(scene)[..., :3] - before[..., :3]).max(axis=-1) > 30
    rows, cols = np.nonzero(mouth)
    assert mouth.sum() > 30 and rows.mean() > mid and abs(cols.mean() - face_cols.mean()) < 15
    scene.set_expression("aa", 0.0)

    scene.set_expression("blink", 1.0)  # closed eyes: upper half of the face, both sides
    eyes = np.abs(_portrait(scene)[..., :3] - before[..., :3]).max(axis=-1) > 30
    rows, cols = np.nonzero(eyes)
    assert eyes.sum() > 100 and top < rows.mean() < mid
    assert (cols < 128).sum() > 30 and (cols > 128).sum() > 30


def test_prebuilt_bone_scale_and_body_morph_show_on_the_body(prebuilts: dict[str, Path]):
    from studio.render.camera import Camera
    from studio.render.thumbnail import render_scene

    scene = _scene(prebuilts["vrm1"])
    camera = Camera()
    camera.frame_scene(scene)

    def body() -> np.ndarray:
        return np.asarray(render_scene(scene, camera, (200, 200))).astype(int)

    before = body()
    scene.set_node_scale(scene.humanoid["leftUpperArm"], (1.0, 1.4, 1.4))  # a thicker upper arm
    arm = np.abs(body() - before).max(axis=-1) > 30
    assert arm.sum() > 10 and not arm[:, :98].any()  # the avatar's left = the picture's right
    scene.set_node_scale(scene.humanoid["leftUpperArm"], (1.0, 1.0, 1.0))
    assert scene.set_morph_weight(None, "weight", 1.0) >= 2  # body and the clothes fitted to it
    heavier = np.abs(body() - before).max(axis=-1) > 30
    assert heavier.sum() > 50
    rows = np.nonzero(heavier)[0]
    head_rows = np.nonzero(before[..., 3] > 0)[0].min() + 10
    assert rows.min() > head_rows  # the head did not change
