"""Inventory, profiles, generation logs, GC, progress/cancel and resumable uploads through sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from studio.blobs import put_content
from studio.domain.errors import CancelledError
from studio.store.engine import write_session
from studio.store.models import GenerationLog, PlayerProfile
from studio.sync.gc import collect_local, collect_remote
from studio.sync.report import SyncProgress
from tests.fixtures.sync_world import World

pytestmark = [pytest.mark.postgres, pytest.mark.s3]


def test_inventory_grant_revoke_and_the_same_item_granted_on_two_devices(world: World) -> None:
    from studio.services.inventory import InventoryService

    a, b = world.client("laptop"), world.client("desktop")
    inv_a, inv_b = InventoryService(a.engine), InventoryService(b.engine)
    inv_a.grant(a.me, "hair", "fem-long-01", a.asset(b"hair"))
    inv_b.grant(b.me, "hair", "fem-long-01", b.asset(b"hair"))  # same item, offline, another id
    inv_b.grant(b.me, "clothing", "tops-tshirt-01", b.asset(b"shirt"))
    a.sync()
    b.sync()
    a.sync()
    for inv, me in ((inv_a, a.me), (inv_b, b.me)):
        assert sorted(i.item_id for i in inv.list(me)) == ["fem-long-01", "tops-tshirt-01"]
    ids = {inv.list(me)[0].id for inv, me in ((inv_a, a.me), (inv_b, b.me))}
    assert len(ids) == 1  # both devices adopted the server's row for the item
    inv_a.revoke(a.me, "tops-tshirt-01")
    a.sync()
    b.sync()
    assert [i.item_id for i in inv_b.list(b.me)] == ["fem-long-01"]


def test_profile_and_generation_log_changes_travel(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    with write_session(a.engine) as s:
        s.add(PlayerProfile(cartridge_username="alice", player_address=a.me.address, avatar_url="x"))
        s.add(GenerationLog(id="g1", cartridge_username="alice", prompt="a knight", status="pending"))
    a.sync()
    b.sync()
    with write_session(b.engine) as s:
        log = s.get(GenerationLog, "g1")
        assert log is not None
        log.status, log.image_urls = "success", ["generations/alice/g1-0.png"]
    b.sync()
    a.sync()
    with a.engine.connect() as conn:
        row = conn.execute(select(GenerationLog.__table__)).mappings().one()
        prof = conn.execute(select(PlayerProfile.__table__)).mappings().one()
    assert (row["status"], row["image_urls"]) == ("success", ["generations/alice/g1-0.png"])
    assert prof["avatar_url"] == "x"


def test_a_generation_finishing_after_its_pending_row_was_pushed_reaches_the_server(world: World) -> None:
    """The generation pipeline's own store: reserve, sync (pushes ``pending``), complete, sync."""
    from studio.store.generation_logs import GenerationLogStore

    a, b = world.client("laptop"), world.client("desktop")
    logs = GenerationLogStore(a.engine)
    log = logs.reserve(username="alice", address=a.me.address, prompt="a knight", style=None, seed=7,
                       model="m", limit=5, window=timedelta(days=1))  # fmt: skip
    a.sync()
    assert logs.mark_in_progress(log.id) and logs.complete(log.id, ["generations/alice/g-0.png"])
    assert not logs.complete(log.id, ["generations/alice/other.png"])  # a duplicate changes nothing
    a.sync()
    b.sync()
    for engine in (world.pg, a.engine, b.engine):
        with engine.connect() as conn:
            row = conn.execute(select(GenerationLog.__table__)).mappings().one()
            prof = conn.execute(select(PlayerProfile.__table__)).mappings().one()
        assert (row["status"], row["image_urls"]) == ("success", ["generations/alice/g-0.png"])
        assert prof["generation_count"] == 1


def test_gc_keeps_young_and_referenced_objects_and_repairs_layout(world: World) -> None:
    a = world.client("laptop")
    kept = a.asset(b"kept avatar")
    entry = a.wardrobe.add(a.me, kept, name="Knight")
    a.sync()
    remote = world.remote_store()
    orphan = put_content(remote, b"an upload whose row never came").key
    report = collect_remote(world.pg, remote, grace=timedelta(hours=1))
    assert report.deleted == 0 and report.kept_young == 1
    later = datetime.now(UTC) + timedelta(hours=2)
    report = collect_remote(world.pg, remote, grace=timedelta(hours=1), now=later)
    assert report.deleted == 1
    assert not remote.exists(orphan) and remote.exists(kept)
    layout = next(r.key for r in remote.list("avatars/"))
    remote.delete(layout)
    assert collect_remote(world.pg, remote, grace=timedelta(hours=1)).layout_repaired == 1
    a.wardrobe.delete(a.me, entry.id)
    a.sync()
    assert list(remote.list("avatars/")) == []
    assert collect_remote(world.pg, remote, grace=timedelta(0)).deleted == 1
    assert collect_local(a.engine, a.blobs, grace=timedelta(0)).deleted == 1
    assert list(a.blobs.list("objects/")) == []


def test_progress_and_cancel(world: World) -> None:
    a = world.client("laptop")
    for n in range(3):
        a.wardrobe.add(a.me, a.asset(f"avatar {n}".encode()), name=f"A{n}")
    seen: list[SyncProgress] = []
    with pytest.raises(CancelledError):
        a.sync_engine.sync(progress=seen.append, cancel=lambda: any(p.phase == "push" for p in seen))
    uploads = [p for p in seen if p.phase == "upload"]
    assert uploads[-1].bytes_done == uploads[-1].bytes_total == 3 * len(b"avatar 0")
    assert [p.items_done for p in seen if p.phase == "push"] == [1]
    assert a.sync_engine.status().pending == 2  # the rest waits for the next sync
    report = a.sync_engine.sync(progress=seen.append)
    assert report.pushed == 2
    assert seen[-1].phase == "pull"


def test_big_file_resumes_its_multipart_upload_after_a_crash(world: World) -> None:
    from tests.fixtures.faults import SimulatedCrash

    a = world.client("laptop")
    big = bytes(range(256)) * (4096 * 20)  # 20 MiB: three 8 MiB parts
    key = a.asset(big)
    a.wardrobe.add(a.me, key, name="Big")
    remote = a.sync_engine.remote_blobs
    real = remote.client
    calls = {"parts": 0}

    class DiesAfterOnePart:
        def __getattr__(self, name: str) -> Any:
            target = getattr(real, name)
            if name != "upload_part":
                return target

            def part(**kwargs: Any) -> Any:
                calls["parts"] += 1
                if calls["parts"] == 2:
                    raise SimulatedCrash("power cut")
                return target(**kwargs)

            return part

    remote.client = DiesAfterOnePart()
    remote.concurrency = 1
    with pytest.raises(SimulatedCrash):
        a.sync()
    a = a.crash()
    sent: list[int] = []
    real_upload = a.sync_engine.remote_blobs.client.upload_part

    def counting(**kwargs: Any) -> Any:
        sent.append(kwargs["PartNumber"])
        return real_upload(**kwargs)

    a.sync_engine.remote_blobs.client = type(
        "C", (), {"__getattr__": lambda _s, n: counting if n == "upload_part" else getattr(real, n)}
    )()
    assert a.sync().pushed == 1
    assert 2 in sent and 1 not in sent  # acknowledged parts are not sent again
    assert world.remote_store().get(key) == big
