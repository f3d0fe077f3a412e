"""Inventory (seed 004 Phase 3) on SQLite and PostgreSQL: grant, list, revoke; one row per item."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from studio.domain.errors import ConflictError, InvalidInputError, NotFoundError
from studio.domain.identity import Identity
from studio.services.inventory import InventoryService

ALICE = Identity.of("alice", "0xa11ce")
BOB = Identity.of("bob", "0xb0b")


def test_grant_list_revoke(db_engine: Engine) -> None:
    inventory = InventoryService(db_engine)
    hair = inventory.grant(ALICE, "hair", "fem-long-03", "s3://hair/fem-long-03.glb")
    inventory.grant(
        ALICE, "clothing", "tops-hoodie-02", "s3://c/h.glb", source="purchased", thumbnail_url="t"
    )
    inventory.grant(BOB, "hair", "fem-long-03", "s3://hair/fem-long-03.glb")  # same item, other player
    assert hair.source == "default" and hair.acquired_at.tzinfo is not None
    assert {i.item_id for i in inventory.list(ALICE)} == {"fem-long-03", "tops-hoodie-02"}
    assert [i.item_id for i in inventory.list(ALICE, "clothing")] == ["tops-hoodie-02"]
    assert inventory.owns(BOB, "fem-long-03")

    inventory.revoke(ALICE, "fem-long-03")
    assert [i.item_id for i in inventory.list(ALICE)] == ["tops-hoodie-02"]
    assert inventory.owns(BOB, "fem-long-03")  # Bob keeps his
    with pytest.raises(NotFoundError):
        inventory.revoke(ALICE, "fem-long-03")


def test_an_item_is_owned_once(db_engine: Engine) -> None:
    inventory = InventoryService(db_engine)
    inventory.grant(ALICE, "hair", "fem-short-01", "s3://h.glb")
    with pytest.raises(ConflictError, match="already owns"):
        inventory.grant(ALICE, "hair", "fem-short-01", "s3://h.glb", source="gifted")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("wings", "w-1", "s3://w.glb"), "item type"),
        (("hair", "", "s3://w.glb"), "item id"),
        (("hair", "x" * 101, "s3://w.glb"), "item id"),
        (("hair", "h-1", ""), "GLB"),
    ],
)
def test_bad_grants_are_refused(db_engine: Engine, args: tuple[str, str, str], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        InventoryService(db_engine).grant(ALICE, *args)


def test_unknown_source_is_refused(db_engine: Engine) -> None:
    with pytest.raises(InvalidInputError, match="source"):
        InventoryService(db_engine).grant(ALICE, "hair", "h-1", "s3://h.glb", source="stolen")
