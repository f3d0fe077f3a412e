"""The prebuilt pipeline on real procedural avatars, serially (workers=1): what it writes, what it
skips, how it reports bad sources. The parallel path and the CLI are covered in
tests/integration/test_prebuilts_cli.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.domain.errors import CancelledError, InvalidInputError
from studio.domain.supermesh import parse_supermesh
from studio.gltf.io import load
from studio.gltf.validate import validate
from studio.procedural.collection import PREBUILTS
from studio.services.make_avatar import avatar_bytes
from studio.services.prebuilts import build_prebuilts, content_hash, discover, load_catalogue

IDS = ("default-fem-01", "default-masc-01")


def make_sources(src: Path, ids: tuple[str, ...] = IDS) -> Path:
    src.mkdir(parents=True, exist_ok=True)
    for avatar_id in ids:
        (src / f"{avatar_id}.vrm").write_bytes(avatar_bytes(parse_supermesh(PREBUILTS[avatar_id]), "vrm1"))
    return src


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_sources(tmp_path_factory.mktemp("prebuilt-src"))


def copy_sources(sources: Path, dest: Path) -> Path:
    dest.mkdir()
    for path in sources.iterdir():
        (dest / path.name).write_bytes(path.read_bytes())
    return dest


def test_discover_pairs_metadata_and_refuses_clashes(tmp_path: Path) -> None:
    (tmp_path / "b.vrm").write_bytes(b"x")
    (tmp_path / "a.glb").write_bytes(b"x")
    (tmp_path / "a.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("ignored")
    found = discover(tmp_path)
    assert [(s.id, s.metadata_path.name if s.metadata_path else None) for s in found] == [
        ("a", "a.json"),
        ("b", None),
    ]
    (tmp_path / "b.glb").write_bytes(b"x")
    with pytest.raises(InvalidInputError, match="both export as 'b'"):
        discover(tmp_path)
    with pytest.raises(InvalidInputError, match="not a folder"):
        discover(tmp_path / "missing")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InvalidInputError, match=r"no \.vrm or \.glb"):
        discover(empty)


def test_content_hash_covers_source_metadata_and_preset(tmp_path: Path) -> None:
    (tmp_path / "a.vrm").write_bytes(b"avatar")
    [plain] = discover(tmp_path)
    (tmp_path / "a.json").write_text('{"name": "A"}')
    [with_meta] = discover(tmp_path)
    hashes = {content_hash(plain, "web"), content_hash(plain, "desktop"), content_hash(with_meta, "web")}
    assert len(hashes) == 3
    assert content_hash(with_meta, "web") == content_hash(with_meta, "web")


def test_build_writes_files_catalogue_and_validation(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    seen: list[tuple[str, int, int]] = []
    report = build_prebuilts(
        sources, out, workers=1, progress=lambda item, done, total: seen.append((item.id, done, total))
    )
    assert [(i.id, i.status) for i in report.items] == [(IDS[0], "built"), (IDS[1], "built")]
    assert seen == [(IDS[0], 1, 2), (IDS[1], 2, 2)]
    catalogue = json.loads((out / "catalogue.json").read_text())
    assert [row["id"] for row in catalogue["items"]] == list(IDS)
    for row in catalogue["items"]:
        assert set(row["files"]) == {"glb", "vrm", "webp"}
        for entry in row["files"].values():
            path = out / entry["path"]
            assert path.stat().st_size == entry["size"] > 0
        assert row["validation"]["glb"]["errors"] == 0 and row["validation"]["vrm"]["errors"] == 0
        assert validate(load(out / row["files"]["glb"]["path"])).ok  # recorded == true of the file
        assert row["status"] == "built" and row["kind"] == "avatar"
    assert (out / f"{IDS[0]}.webp").read_bytes()[8:12] == b"WEBP"


def test_second_run_skips_and_metadata_change_rebuilds_one(sources: Path, tmp_path: Path) -> None:
    src, out = copy_sources(sources, tmp_path / "src"), tmp_path / "out"
    build_prebuilts(src, out, workers=1)
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = build_prebuilts(src, out, workers=1)
    assert [i.status for i in again.items] == ["skipped", "skipped"]
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name != "catalogue.json"} == {
        k: v for k, v in stamps.items() if k != "catalogue.json"
    }
    (src / f"{IDS[1]}.json").write_text(
        json.dumps({"name": "Masc One", "materials": {"Body_00_SKIN": {"tint": "#d4a574"}}})
    )
    third = build_prebuilts(src, out, workers=1)
    assert [i.status for i in third.items] == ["skipped", "built"]
    row = load_catalogue(out)[IDS[1]]
    assert row["name"] == "Masc One" and row["metadata"] == {
        "materials": {"Body_00_SKIN": {"tint": "#d4a574"}}
    }
    assert load_catalogue(out)[IDS[0]]["status"] == "built"  # skipped items stay "built" in the catalogue


def test_bad_sources_fail_alone_with_clear_messages(sources: Path, tmp_path: Path) -> None:
    src, out = copy_sources(sources, tmp_path / "src"), tmp_path / "out"
    (src / "broken.glb").write_bytes(b"glTF\x02\x00\x00\x00 this is not a model")
    (src / "wrong-kind.vrm").write_bytes((src / f"{IDS[0]}.vrm").read_bytes())
    (src / "wrong-kind.json").write_text('{"kind": "vehicle"}')
    report = build_prebuilts(src, out, workers=1)
    status = {i.id: (i.status, i.message) for i in report.items}
    assert status[IDS[0]][0] == status[IDS[1]][0] == "built"
    assert status["broken"][0] == "failed" and status["broken"][1]
    assert "Traceback" not in status["broken"][1]
    assert status["wrong-kind"] == (
        "failed",
        f"{src / 'wrong-kind.json'}: kind 'vehicle' is not one of avatar, hair, clothing, attachment",
    )
    assert not report.ok and report.count("failed") == 2
    assert not (out / "wrong-kind.glb").exists()
    # a failed item is tried again next time; the good ones are skipped
    again = build_prebuilts(src, out, workers=1)
    assert {i.id: i.status for i in again.items} == {
        IDS[0]: "skipped",
        IDS[1]: "skipped",
        "broken": "failed",
        "wrong-kind": "failed",
    }


def test_removed_source_drops_its_files_and_row(sources: Path, tmp_path: Path) -> None:
    src, out = copy_sources(sources, tmp_path / "src"), tmp_path / "out"
    build_prebuilts(src, out, workers=1)
    (src / f"{IDS[1]}.vrm").unlink()
    report = build_prebuilts(src, out, workers=1)
    assert [i.id for i in report.items] == [IDS[0]]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["catalogue.json", f"{IDS[0]}.glb", f"{IDS[0]}.vrm", f"{IDS[0]}.webp"]
    )


def test_cancel_keeps_finished_items(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    done: list[str] = []
    with pytest.raises(CancelledError):
        build_prebuilts(
            sources,
            out,
            workers=1,
            progress=lambda item, *_: done.append(item.id),
            cancel=lambda: len(done) >= 1,
        )
    assert list(load_catalogue(out)) == [IDS[0]]
    report = build_prebuilts(sources, out, workers=1)
    assert [i.status for i in report.items] == ["skipped", "built"]


def test_stop_during_a_parallel_build_keeps_what_was_running(tmp_path: Path) -> None:
    """QA F8: Stop drops the items not started yet, lets the running ones finish and records them,
    so the next build only does the rest."""
    four = ("default-fem-01", "default-fem-02", "default-masc-01", "default-masc-02")
    src = make_sources(tmp_path / "src", four)
    out = tmp_path / "out"
    done: list[str] = []
    with pytest.raises(CancelledError, match="kept in the catalogue"):
        build_prebuilts(
            src, out, workers=2, progress=lambda item, *_: done.append(item.id), cancel=lambda: bool(done)
        )
    kept = load_catalogue(out)
    assert len(done) >= 2 and set(kept) == set(done)  # the one running beside the first is kept too
    assert len(kept) < 4  # what had not started was dropped
    report = build_prebuilts(src, out, workers=2)
    assert report.count("skipped") == len(kept) and report.count("built") == 4 - len(kept)


def test_unreadable_catalogue_is_a_clear_error(sources: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "catalogue.json").write_text("{not json")
    with pytest.raises(InvalidInputError, match="unreadable catalogue"):
        build_prebuilts(sources, out, workers=1)
