"""A new player gets the built-in items: ``InventoryService.grant_defaults`` (idempotent, GLBs in
the blob store before the rows, all rows in one transaction)."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.app import Studio, open_studio
from studio.domain.errors import CancelledError
from studio.domain.identity import Identity
from studio.services.item_library import builtin_item_ids

ADDRESS = "0x049d36570d4e46f48e99674bd3fcc84644ddd6b96f7c741b1562b82f9e004dc7"


@pytest.fixture
def studio(
    studio_home: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Studio:
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "inventory-item-cache"))
    return open_studio()


def test_grant_defaults_gives_every_builtin_item_once(studio: Studio) -> None:
    me = Identity.of("newcomer", ADDRESS)
    granted = studio.inventory.grant_defaults(me)
    expected = {i for ids in builtin_item_ids().values() for i in ids}
    assert {g.item_id for g in granted} == expected
    rows = studio.inventory.list(me)
    assert {r.item_id for r in rows} == expected and {r.source for r in rows} == {"default"}
    by_id = {r.item_id: r for r in rows}
    assert by_id["fem-long-01"].item_type == "hair" and by_id["fem-long-01"].glb_url == "hair/fem-long-01.glb"
    assert by_id["necklace-pendant-01"].item_type == "attachment"
    for row in rows:  # every row points at a stored GLB
        assert studio.local_blob_store.get(row.glb_url)[:4] == b"glTF"
    assert studio.inventory.grant_defaults(me) == []  # idempotent
    assert len(studio.inventory.list(me)) == len(expected)


def test_grant_defaults_keeps_what_the_player_owns(studio: Studio) -> None:
    me = Identity.of("collector", ADDRESS)
    studio.inventory.acquire(me, "hair", "fem-short-01", source="purchased")
    granted = studio.inventory.grant_defaults(me)
    assert "fem-short-01" not in {g.item_id for g in granted}
    assert next(r for r in studio.inventory.list(me) if r.item_id == "fem-short-01").source == "purchased"


def test_cancelled_grant_leaves_no_rows(studio: Studio) -> None:
    me = Identity.of("impatient", ADDRESS)
    with pytest.raises(CancelledError):
        studio.inventory.grant_defaults(me, cancelled=lambda: True)
    assert studio.inventory.list(me) == []
