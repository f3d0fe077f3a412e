"""QA findings 5 and 8: the built-in item library holds every item seed 004's examples name,
`make-avatar` refuses an item id it does not know (instead of inventing one) and a format that does
not match the output's extension."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.cli import main
from studio.domain.errors import InvalidInputError, NotFoundError
from studio.gltf.io import load, read_glb
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm
from studio.services.item_library import BuiltinItems, builtin_item_ids, item_glb

#: every item id seed 004's metadata examples name
SEED_ITEMS = {
    "hair": ["fem-long-03"],
    "clothing": ["tops-hoodie-02", "bottoms-jeans-01", "shoes-sneaker-01", "tops-jacket-formal-01",
                 "bottoms-skirt-pleated-02"],
    "attachments": ["earring-hoop-gold", "necklace-pendant-01"],
}


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_the_library_has_every_item_the_seed_examples_name() -> None:
    library = builtin_item_ids()
    for slot, ids in SEED_ITEMS.items():
        assert set(ids) <= set(library[slot]), slot


def test_builtin_items_are_made_once_and_reused(tmp_path: Path) -> None:
    items = BuiltinItems(tmp_path / "items")
    path = items("hair", "fem-long-03")
    doc = load(path)
    assert validate(doc).ok and path.read_bytes() == item_glb("fem-long-03")  # as make-prebuilts writes it
    stamp = path.stat().st_mtime_ns
    assert items("hair", "fem-long-03") == path and path.stat().st_mtime_ns == stamp
    with pytest.raises(NotFoundError, match="no built-in item 'fem-long-99'"):
        items("hair", "fem-long-99")
    with pytest.raises(InvalidInputError, match="is a hair item, not clothing"):
        items("clothing", "fem-long-03")


def test_make_avatar_refuses_unknown_items_by_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    params = tmp_path / "p.json"
    for wanted, needle in (
        ({"clothing": ["tops-nothing-99"]}, "clothing: no built-in item 'tops-nothing-99'"),
        ({"hair": "fem-long-77"}, "hair: no built-in item 'fem-long-77'"),
        ({"attachments": ["tops-hoodie-02"]}, "'tops-hoodie-02' is a clothing item, not attachments"),
    ):
        params.write_text(json.dumps({"base": "feminine", **wanted}))
        assert main(["make-avatar", "--params", str(params), "--out", str(tmp_path / "x.vrm")]) == 1
        assert needle in _error_line(capsys)
    assert not (tmp_path / "x.vrm").exists()
    params.write_text(json.dumps({"base": "feminine", "hair": "fem-long-03", **{
        k: v for k, v in SEED_ITEMS.items() if k != "hair"}}))
    assert main(["make-avatar", "--params", str(params), "--out", str(tmp_path / "ok.glb")]) == 0


@pytest.mark.parametrize(
    ("flag", "name", "needle"),
    [("--glb", "y.vrm", "name the output *.glb"), ("--vrm1", "x.glb", "name the output *.vrm"),
     ("--vrm0", "x.glb", "name the output *.vrm")],
)
def test_make_avatar_refuses_a_format_the_extension_contradicts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flag: str, name: str, needle: str
) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"base": "feminine"}))
    assert main(["make-avatar", "--params", str(params), flag, "--out", str(tmp_path / name)]) == 1
    assert needle in _error_line(capsys)
    assert not (tmp_path / name).exists()


def test_make_avatar_infers_the_format_from_the_extension(tmp_path: Path) -> None:
    params = tmp_path / "p.json"
    params.write_text(json.dumps({"base": "masculine"}))
    for name, version in (("a.vrm", "1.0"), ("b.glb", None)):
        assert main(["make-avatar", "--params", str(params), "--out", str(tmp_path / name)]) == 0
        info = parse_vrm(read_glb((tmp_path / name).read_bytes()))
        assert (info.version if info.is_vrm else None) == version
