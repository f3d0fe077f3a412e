"""QA finding 4: `wardrobe add FILE` imports the avatar (validated, bytes and portrait in the blob
store before the row), bad metadata is refused naming the key, and `inventory grant` only takes
items that exist. The same service backs the UI's Add menu (``Studio.avatars``)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from studio.app import Studio, open_studio
from studio.blobs.layout import object_key
from studio.cli import main
from studio.domain.errors import InvalidInputError, NotFoundError
from studio.gltf.errors import GltfError
from studio.gltf.io import read_glb
from studio.gltf.validate import validate
from studio.store.engine import read_session
from studio.store.repositories import UserRepository
from tests.fixtures.paths import DATA_DIR

VRM1 = DATA_DIR / "vrm" / "VRMC_materials_mtoon_UV_Animation_Test.vrm"
TITLE = "VRMC_materials_mtoon UV Animation Test"  # its meta name
INVALID = DATA_DIR / "invalid" / "validator" / "node__unresolved_skin.gltf"
ADDRESS = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"
ME = ("--username", "QA_Tester", "--address", ADDRESS)


@pytest.fixture
def studio(studio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Studio:
    monkeypatch.setenv("STUDIO_USERNAME", "QA_Tester")
    monkeypatch.setenv("STUDIO_ADDRESS", ADDRESS)
    return open_studio()


def _error_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    return lines[0]


def test_wardrobe_add_imports_the_file(studio: Studio, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["wardrobe", "add", str(VRM1), "--activate", "--json", *ME]) == 0
    entry = json.loads(capsys.readouterr().out)
    assert entry["name"] == TITLE and entry["isActive"]  # the VRM's own title
    user = "qa_tester"
    # Rows point at immutable content keys; the avatars/{users.id}/ layout copies are sync's job.
    assert entry["glbUrl"] == entry["sourceUrl"] == object_key(hashlib.sha256(VRM1.read_bytes()).hexdigest())
    assert studio.read_blob(entry["glbUrl"]) == VRM1.read_bytes()  # the bytes, not a path string
    assert entry["thumbnailUrl"].startswith("objects/sha256/")
    assert not any((studio.settings.blob_dir / "avatars").rglob("*"))  # no layout path locally
    assert studio.read_blob(entry["thumbnailUrl"])[8:12] == b"WEBP"
    with read_session(studio.engine) as s:
        row = UserRepository(s).get(user)
        assert row is not None and row.avatar_url == entry["glbUrl"]  # users.avatar_url: a stored blob


@pytest.mark.parametrize(
    ("arg", "needle"),
    [("/nonexistent/file.glb", "FILE_UNREADABLE"), ("not a url at all", "cannot be read"),
     (str(INVALID), "UNSATISFIED_DEPENDENCY")],
)
def test_wardrobe_add_refuses_what_is_not_a_valid_avatar_file(
    studio: Studio, capsys: pytest.CaptureFixture[str], arg: str, needle: str
) -> None:
    assert main(["wardrobe", "add", arg, "--name", "ghost", *ME]) == 1
    assert needle in _error_line(capsys)
    assert studio.wardrobe.list(studio.identity()) == []
    assert not studio.settings.blob_dir.exists() or not any(studio.settings.blob_dir.rglob("*.vrm"))


def test_wardrobe_add_checks_metadata_naming_the_key(
    studio: Studio, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = '{"materials": {"Body_00_SKIN": {"tint": "#zz"}}}'
    assert main(["wardrobe", "add", str(VRM1), "--metadata", bad, *ME]) == 1
    assert "materials.Body_00_SKIN.tint" in _error_line(capsys)
    assert studio.wardrobe.list(studio.identity()) == []
    good = '{"materials": {"Body_00_SKIN": {"tint": "#d4a574"}}}'
    assert main(["wardrobe", "add", str(VRM1), "--metadata", good, *ME]) == 0
    assert studio.wardrobe.list(studio.identity())[0].metadata == json.loads(good)


def test_a_failed_blob_write_leaves_no_row(studio: Studio, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_a: object, **_k: object) -> None:
        raise InvalidInputError("disk full")

    monkeypatch.setattr(studio.local_blob_store, "put", refuse)  # edits write locally first
    with pytest.raises(InvalidInputError, match="disk full"):
        studio.wardrobe.import_avatar(studio.identity(), VRM1)
    assert studio.wardrobe.list(studio.identity()) == []


def test_ui_add_menu_uses_the_same_import(studio: Studio) -> None:
    me = studio.identity()
    seen: list[float | None] = []
    entry = studio.avatars.add_file(me, VRM1, progress=lambda f, _m: seen.append(f), cancelled=lambda: False)
    assert studio.read_blob(entry.glb_url) == VRM1.read_bytes() and seen[-1] == 1.0
    with pytest.raises(GltfError):
        studio.avatars.add_file(me, INVALID, progress=lambda *_: None, cancelled=lambda: False)
    prebuilt = studio.avatars.add_prebuilt(me, "default-fem-01")
    doc = read_glb(studio.read_blob(prebuilt.glb_url))
    assert validate(doc).ok and prebuilt.metadata == {
        "base": "default-fem-01",  # seed 004's VRM example: where it came from and what it wears
        "hair": "fem-long-01",
        "clothing": ["tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01"],
        "attachments": ["earring-hoop-gold"],
    }
    made = studio.avatars.new_supermesh(me, {"base": "masculine"}, progress=lambda *_: None,
                                        cancelled=lambda: False)
    assert made.avatar_type == "supermesh" and studio.read_blob(made.thumbnail_url or "")[8:12] == b"WEBP"
    with pytest.raises(NotFoundError, match="tops-nothing-99"):
        studio.avatars.new_supermesh(me, {"clothing": ["tops-nothing-99"]}, progress=lambda *_: None,
                                     cancelled=lambda: False)
    assert [e.name for e in studio.wardrobe.list(me)] == [TITLE, "default-fem-01", "New masculine"]
    assert [p.id for p in studio.avatars.prebuilts()][:2] == ["default-fem-01", "default-fem-02"]


def test_inventory_grant_takes_only_known_items(studio: Studio, capsys: pytest.CaptureFixture[str],
                                                tmp_path: Path) -> None:
    assert main(["inventory", "grant", "hair", "nothing here", *ME]) == 1
    assert "no built-in item 'nothing here'" in _error_line(capsys)
    assert main(["inventory", "grant", "clothing", "fem-long-03", *ME]) == 1
    assert "is a hair item, not clothing" in _error_line(capsys)
    assert main(["inventory", "grant", "attachment", "my-ring", str(INVALID), *ME]) == 1
    assert "UNSATISFIED_DEPENDENCY" in _error_line(capsys)
    assert main(["inventory", "grant", "hair", "fem-long-01", str(VRM1), *ME]) == 1
    assert "built-in item" in _error_line(capsys)
    assert main(["inventory", "grant", "skin_preset", "tan", *ME]) == 1
    assert "no built-in skin_preset items" in _error_line(capsys)
    assert studio.inventory.list(studio.identity()) == []

    assert main(["inventory", "grant", "hair", "fem-long-03", *ME]) == 0
    assert main(["inventory", "grant", "attachment", "my-ring", str(VRM1), *ME]) == 0
    capsys.readouterr()
    rows = {i.item_id: i for i in studio.inventory.list(studio.identity())}
    assert rows["fem-long-03"].glb_url == "hair/fem-long-03.glb"
    assert validate(read_glb(studio.read_blob("hair/fem-long-03.glb"))).ok  # the row points at a blob
    assert studio.read_blob(rows["my-ring"].glb_url) == VRM1.read_bytes()
    assert rows["my-ring"].glb_url.startswith("objects/sha256/")


def test_new_supermesh_starts_dressed_unless_told_bare(studio: Studio) -> None:
    from studio.services.editor import AvatarEditor

    me = studio.identity()
    dressed = studio.avatars.new_supermesh(me, {"base": "feminine"})
    bare = studio.avatars.new_supermesh(me, {"base": "feminine", "clothing": []})
    assert dressed.metadata["clothing"] == ["tops-tshirt-01", "bottoms-jeans-01", "shoes-sneaker-01"]
    assert bare.metadata["clothing"] == []
    # the clothes are cut for the body and baked in (a bare file is smaller); the metadata lists them
    assert len(studio.read_blob(dressed.glb_url)) > len(studio.read_blob(bare.glb_url))
    editor = AvatarEditor.open(studio.read_blob(dressed.glb_url), items=studio.item_library,
                               avatar_type="supermesh")  # fmt: skip
    names = {str(m.get("name", "")) for m in editor.original.items("materials")}
    assert any("tshirt" in n for n in names) and any("jeans" in n for n in names)
    # taking the t-shirt off in the Outfit tab (metadata without it) takes the baked one off
    without_top = ["bottoms-jeans-01", "shoes-sneaker-01"]
    undressed = editor.items_document({**dressed.metadata, "clothing": without_top})
    meshes = undressed.items("meshes")
    drawn = {str(meshes[n["mesh"]].get("name")) for n in undressed.items("nodes") if "mesh" in n}
    assert "Bottoms" in drawn and "Tops" not in drawn


def test_the_first_avatar_added_becomes_active_and_the_profile_points_at_it(studio: Studio) -> None:
    me = studio.identity()
    first = studio.avatars.add_prebuilt(me, "default-fem-01")
    second = studio.avatars.new_supermesh(me, {"base": "masculine"})
    entries = {e.id: e for e in studio.wardrobe.list(me)}
    assert entries[first.id].is_active and not entries[second.id].is_active
    from sqlalchemy import select

    from studio.store.models import User

    with studio.engine.connect() as conn:  # users.avatar_url: what game worlds load
        assert conn.execute(select(User.__table__.c.avatar_url)).scalar() == first.glb_url


def test_an_avatar_without_a_title_is_named_after_its_file(studio: Studio, tmp_path: Path) -> None:
    from studio.domain.supermesh import parse_supermesh
    from studio.services.make_avatar import avatar_bytes

    untitled = tmp_path / "Moss Knight.vrm"
    untitled.write_bytes(avatar_bytes(parse_supermesh({}), "vrm1", name="  "))
    spaced = tmp_path / "x.vrm"
    spaced.write_bytes(avatar_bytes(parse_supermesh({}), "vrm1", name="  Fern\n  Ranger " + "!" * 200))
    me = studio.identity()
    first = studio.wardrobe.import_avatar(me, untitled)
    second = studio.wardrobe.import_avatar(me, spaced)
    assert first.name == "Moss Knight"  # the VRM says nothing: the file's name, without .vrm
    assert second.name.startswith("Fern Ranger !") and len(second.name) == 100  # one line, within the cap
