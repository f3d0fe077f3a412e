"""A delete made while a push was in flight (fuzz seed 862): the other device's edits that the
push's answer merged in were never seen by the user, so deleting must keep them as a copy."""

from __future__ import annotations

from studio.sync.entities import WARDROBE
from studio.sync.plan import rebase, rebase_shadow, resolve
from tests.unit.sync.test_plan import BASE, edit


def run(base, local, remote):
    return resolve(WARDROBE, base, local, remote, device="phone", remote_device="laptop", op_id="op")


def test_a_delete_during_the_push_keeps_the_edits_the_answer_brought_in() -> None:
    pushed = edit(BASE, metadata={"hair": "long", "tint": "#fff", "phone": "mine"})
    current = edit(pushed, deleted_at="t2")  # the user deleted it while the push was in flight
    # the server merged our edit with the laptop's (new file, its own key) the user never saw
    server = edit(BASE, glb_url="g2", metadata={**pushed["metadata"], "laptop": "theirs"}, version=3)
    shadow = rebase_shadow(WARDROBE, pushed, current, server)
    assert shadow is not None and shadow["version"] is None  # what the delete was made against
    assert shadow["glb_url"] == "g1" and shadow["metadata"] == pushed["metadata"]
    res = run(shadow, rebase(pushed, current, server), edit(server, version=4))
    assert res.action == "delete"
    assert res.copy is not None and res.copy["glb_url"] == "g2" and res.copy["metadata"]["laptop"] == "theirs"
    assert res.copy["name"].startswith("Knight (conflict from laptop)")


def test_a_delete_during_a_push_the_server_took_as_is_stays_a_plain_delete() -> None:
    pushed = edit(BASE, name="Paladin")
    server = edit(pushed, version=2)
    shadow = rebase_shadow(WARDROBE, pushed, edit(pushed, deleted_at="t2"), server)
    assert shadow == server
    res = run(shadow, edit(pushed, deleted_at="t2"), server)
    assert res.action == "delete" and res.copy is None
