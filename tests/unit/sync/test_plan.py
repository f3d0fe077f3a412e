from __future__ import annotations

from studio.sync.entities import INVENTORY, WARDROBE
from studio.sync.plan import conflict_label, copy_key, rebase, rebase_shadow, resolve

BASE = {
    "id": "k",
    "user_id": "u",
    "name": "Knight",
    "glb_url": "g1",
    "source_url": None,
    "thumbnail_url": None,
    "is_active": False,
    "metadata": {"hair": "long", "tint": "#fff"},
    "avatar_type": "vrm",
    "created_at": "t0",
    "updated_at": "t0",
    "deleted_at": None,
    "version": 1,
}


def edit(row: dict, **changes) -> dict:
    return {**row, **changes}


def run(base, local, remote, **kw):
    return resolve(WARDROBE, base, local, remote, device="laptop", remote_device="desktop", op_id="op", **kw)


def test_new_row_is_inserted_and_a_new_deleted_row_is_nothing() -> None:
    assert run(None, BASE, None).action == "insert"
    assert run(None, None, None).action == "noop"


def test_unchanged_remote_takes_the_local_edit() -> None:
    res = run(BASE, edit(BASE, name="Paladin"), BASE)
    assert res.action == "update" and res.row["name"] == "Paladin" and res.copy is None


def test_disjoint_edits_merge_field_by_field_and_key_by_key() -> None:
    local = edit(BASE, name="Paladin", metadata={"hair": "short", "tint": "#fff"})
    remote = edit(BASE, version=2, metadata={"hair": "long", "tint": "#000", "eyes": "green"})
    res = run(BASE, local, remote)
    assert res.action == "update" and res.copy is None
    assert res.row["name"] == "Paladin"
    assert res.row["metadata"] == {"hair": "short", "tint": "#000", "eyes": "green"}


def test_overlapping_edit_keeps_both_as_a_named_copy() -> None:
    local = edit(BASE, metadata={"hair": "long", "tint": "#f00"})
    remote = edit(BASE, version=2, metadata={"hair": "long", "tint": "#00f"})
    res = run(BASE, local, remote)
    assert res.action == "noop" and res.conflicts == ("metadata.tint",)
    assert res.copy["name"] == "Knight (conflict from laptop)"
    assert res.copy["metadata"]["tint"] == "#f00" and res.copy["id"] == copy_key("op")
    assert res.copy["is_active"] is False and res.copy["version"] == 1


def test_same_change_on_both_sides_is_not_a_conflict() -> None:
    both = edit(BASE, name="Paladin")
    assert run(BASE, both, edit(both, version=2)).copy is None


def test_activation_is_last_writer_wins() -> None:
    res = run(BASE, edit(BASE, is_active=True), edit(BASE, version=2, name="X"))
    assert res.action == "update" and res.row["is_active"] is True and res.row["name"] == "X"


def test_delete_wins_and_an_unseen_remote_edit_becomes_a_copy() -> None:
    deleted = edit(BASE, deleted_at="t1")
    assert run(BASE, deleted, BASE).action == "delete"
    res = run(BASE, deleted, edit(BASE, version=2, name="Knight v2"))
    assert res.action == "delete" and res.copy["name"] == "Knight v2 (conflict from desktop)"


def test_local_edit_of_a_remotely_deleted_row_survives_as_a_copy() -> None:
    res = run(BASE, edit(BASE, name="Mine"), edit(BASE, version=2, deleted_at="t1"))
    assert res.action == "noop" and res.copy["name"] == "Mine (conflict from laptop)"
    assert res.copy["deleted_at"] is None
    assert run(BASE, BASE, edit(BASE, version=2, deleted_at="t1")).copy is None


def test_inventory_is_last_writer_wins_without_copies() -> None:
    base = {
        "id": "i",
        "user_id": "u",
        "item_type": "hair",
        "item_id": "h1",
        "glb_url": "a",
        "thumbnail_url": None,
        "source": "default",
        "acquired_at": "t",
        "version": 1,
    }
    res = resolve(
        INVENTORY,
        base,
        {**base, "source": "gifted"},
        {**base, "version": 2, "source": "purchased"},
        device="a",
        remote_device="b",
        op_id="o",
    )
    assert res.action == "update" and res.row["source"] == "gifted"


def test_labels_fit_the_column() -> None:
    label = conflict_label("x" * 100, "device", 100)
    assert len(label) == 100 and label.endswith(" (conflict from device)")


def test_rebase_keeps_new_edits_and_takes_the_server_elsewhere() -> None:
    pushed = edit(BASE, name="A")
    current = edit(BASE, name="A", metadata={"new": 1})
    server = edit(BASE, name="A", version=2, glb_url="g2")
    got = rebase(pushed, current, server)
    assert got["metadata"] == {"new": 1} and got["glb_url"] == "g2" and got["version"] == 2


def test_a_side_effect_deactivation_does_not_make_a_delete_keep_a_copy() -> None:
    active = edit(BASE, is_active=True)
    res = run(active, edit(BASE, deleted_at="t1"), edit(BASE, version=2, is_active=False))
    assert res.action == "delete" and res.copy is None


def test_an_edit_made_during_a_push_that_lost_to_another_device_is_merged_next_time() -> None:
    """Seed 6605: our rename went to a copy (the server kept the other name); the user renamed
    again during that push. The next push must keep both names, not overwrite the server's."""
    pushed = edit(BASE, name="Ours", metadata={"hair": "long", "tint": "#000"}, version=5)
    server = edit(BASE, name="Theirs", metadata={"hair": "short", "tint": "#000"}, version=2)
    current = edit(pushed, name="Ours again", metadata={"hair": "braid", "tint": "#000"}, version=6)
    shadow = rebase_shadow(WARDROBE, pushed, current, server)
    assert shadow is not None and shadow["version"] is None  # not a server version
    assert shadow["name"] == "Ours" and shadow["metadata"] == {"hair": "long", "tint": "#000"}
    res = run(shadow, rebase(pushed, current, server), server)
    assert res.copy is not None and res.copy["name"].startswith("Ours again (conflict from laptop)")
    assert res.row is None or res.row["name"] == "Theirs"  # the server keeps the other device's name
    # Without a collision the shadow is the server's row as before.
    assert rebase_shadow(WARDROBE, pushed, edit(pushed, glb_url="g9"), edit(pushed, version=6)) == edit(
        pushed, version=6
    )
