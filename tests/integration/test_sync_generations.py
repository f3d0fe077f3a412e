"""Generation images and the chosen profile portrait reach the player's other device through sync.

Two devices of "alice" on the suite's PostgreSQL and S3 servers; portraits come from the Fal
stand-in through the real generation service, or are recorded as kept images. docs/sync.md,
"Generation images", describes the rules these tests hold the engine to.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from studio.blobs.base import sha256_bytes
from studio.blobs.layout import generation_key, object_key
from studio.domain.errors import CancelledError, OfflineError
from studio.domain.moderation import parse_blocked_terms
from studio.domain.presets import PresetCatalog
from studio.generation.fal import FalConfig, FalGenerator
from studio.generation.keeper import BlobImageSink
from studio.services.gallery import GalleryService
from studio.services.generate import GenerationService
from studio.services.profiles import ProfileService
from studio.store.generation_logs import GenerationLogStore
from studio.store.models import GenerationLog, PlayerProfile
from studio.sync.blobsync import content_keys
from studio.sync.entities import LOGS, PROFILES
from studio.sync.gc import collect_local, collect_remote
from studio.sync.report import SyncProgress
from tests.fixtures.faults import FaultPlan, SimulatedCrash
from tests.fixtures.sync_world import Client, World

pytestmark = [pytest.mark.postgres, pytest.mark.s3]

IMAGE_ROWS = ((LOGS, GenerationLog), (PROFILES, PlayerProfile))  # rows that name kept portraits
FAL_LINK = "https://v3.fal.media/files/penguin/not-kept-yet.png"


class ScriptedPlan(FaultPlan):
    """Faults at chosen calls: ``{op: {n: kind}}`` fails the n-th call (from 1) to ``op``."""

    def __init__(self, script: dict[str, dict[int, str]]) -> None:
        super().__init__(seed=0)
        self.script = script
        self.calls: Counter[str] = Counter()

    def pick(self, op: str) -> str | None:
        self.calls[op] += 1
        kind = self.script.get(op, {}).get(self.calls[op])
        if kind:
            self.log.append(f"{op}:{kind}")
        return kind


@pytest.fixture
def portraits(fal_config: FalConfig) -> Iterator[Callable[[Client], GenerationService]]:
    """The generation service on a client's own store and blob folder, Fal being the stand-in."""
    clients: list[httpx.Client] = []

    def make(client: Client) -> GenerationService:
        clients.append(httpx.Client(timeout=10))
        return GenerationService(
            logs=GenerationLogStore(client.engine), generator=lambda: FalGenerator(fal_config),
            sink=BlobImageSink(client.blobs), http=clients[-1], moderation=parse_blocked_terms(None),
            presets=PresetCatalog(), profiles=ProfileService(client.engine),
        )  # fmt: skip

    yield make
    for http in clients:
        http.close()


def record_kept(client: Client, log_id: str, images: list[bytes], extra: tuple[str, ...] = ()) -> list[str]:
    """What the keeper does: store each image under ``generations/...``, then log success."""
    keys = [generation_key("alice", log_id, n) for n in range(len(images))]
    for key, data in zip(keys, images, strict=True):
        client.blobs.put(key, data, "image/png")
    refs = keys + list(extra)
    GalleryService(client.engine).record(
        log_id, "alice", f"portrait {log_id}", status="success", image_url=refs[0], image_urls=refs
    )
    return keys


def server_rows(world: World, model: Any) -> dict[str, dict[str, Any]]:
    t = model.__table__
    with world.pg.connect() as conn:
        return {str(r[t.primary_key.columns[0].name]): dict(r) for r in conn.execute(select(t)).mappings()}


def local_rows(client: Client, model: Any) -> dict[str, dict[str, Any]]:
    t = model.__table__
    with client.engine.connect() as conn:
        return {str(r[t.primary_key.columns[0].name]): dict(r) for r in conn.execute(select(t)).mappings()}


def dangling(world: World, *clients: Client) -> list[str]:
    """Content keys a log or profile row names that its store does not hold (server and devices)."""
    remote = world.remote_store()
    missing = [
        f"server:{ref}"
        for spec, model in IMAGE_ROWS
        for row in server_rows(world, model).values()
        for ref in content_keys(spec, row)
        if not remote.exists(ref)
    ]
    for client in clients:
        missing += [
            f"{client.name}:{ref}"
            for spec, model in IMAGE_ROWS
            for row in local_rows(client, model).values()
            for ref in content_keys(spec, row)
            if not client.blobs.exists(ref)
        ]
    return missing


def test_portraits_and_the_chosen_avatar_reach_the_other_device(
    world: World, portraits: Callable[[Client], GenerationService]
) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    generation = portraits(a)
    log = generation.generate(a.me, "red-haired knight", style="fantasy", seed=7)
    assert log.status == "success" and len(log.image_urls) == 4
    originals = [a.blobs.get(ref) for ref in log.image_urls]
    generation.choose_avatar(a.me, log.id, 2)

    report = a.sync()

    assert report.uploaded_blobs == 4  # the chosen portrait is one of them: sent once
    server_log = server_rows(world, GenerationLog)[log.id]
    assert server_log["image_urls"] == [object_key(sha256_bytes(data)) for data in originals]
    assert server_log["image_url"] == server_log["image_urls"][0]
    assert [world.remote_store().get(k) for k in server_log["image_urls"]] == originals
    assert server_rows(world, PlayerProfile)["alice"]["avatar_url"] == server_log["image_urls"][2]

    b.sync()
    # Device B: "My history" lists the generation and every image reads as the same bytes;
    # the status bar's profile picture (the profile's avatar ref) reads too.
    [mine] = GalleryService(b.engine).logs_for("alice", statuses=("success",))
    assert (mine.id, mine.prompt) == (log.id, "red-haired knight")
    assert [b.blobs.get(ref) for ref in mine.image_urls] == originals
    assert b.blobs.get(mine.image_url or "") == originals[0]
    profile = ProfileService(b.engine).get("alice")
    assert profile is not None and b.blobs.get(profile.avatar_url or "") == originals[2]
    assert profile.avatar_url == mine.image_urls[2]  # the profile names the log's own key
    # Device A reads its own history the same way (its rows now name the content keys too).
    again = GalleryService(a.engine).log(log.id)
    assert again is not None and [a.blobs.get(ref) for ref in again.image_urls] == originals
    mine_a = ProfileService(a.engine).get("alice")
    assert mine_a is not None and mine_a.avatar_url == again.image_urls[2]  # still marked chosen

    # B picks another of the four; A's status bar follows after its sync.
    ProfileService(b.engine).set_my_avatar(b.me, mine.image_urls[1])
    b.sync()
    a.sync()
    mine_a = ProfileService(a.engine).get("alice")
    assert mine_a is not None and a.blobs.get(mine_a.avatar_url or "") == originals[1]
    assert dangling(world, a, b) == []


def test_gc_keeps_portraits_rows_name_and_clears_the_local_generation_copies(world: World) -> None:
    a = world.client("laptop")
    kept = record_kept(a, "g1", [b"portrait zero", b"portrait one"])
    a.sync()
    later = datetime.now(UTC) + timedelta(days=2)
    remote = world.remote_store()
    assert collect_remote(world.pg, remote, now=later).deleted == 0
    [row] = local_rows(a, GenerationLog).values()
    assert all(remote.exists(k) for k in row["image_urls"])
    # The push moved the images into the content area; the generations/ copies go after the
    # grace period, and the gallery keeps reading through the rewritten row.
    assert collect_local(a.engine, a.blobs, now=later).deleted == 2
    assert not any(a.blobs.exists(k) for k in kept)
    assert [a.blobs.get(k) for k in row["image_urls"]] == [b"portrait zero", b"portrait one"]


def test_links_still_on_fal_are_left_as_they_are(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    [kept] = record_kept(a, "g1", [b"kept portrait"], extra=(FAL_LINK,))
    report = a.sync()
    assert report.uploaded_blobs == 1  # the link is neither fetched nor uploaded
    content = object_key(sha256_bytes(b"kept portrait"))
    assert server_rows(world, GenerationLog)["g1"]["image_urls"] == [content, FAL_LINK]
    b.sync()
    [row] = local_rows(b, GenerationLog).values()
    assert row["image_urls"] == [content, FAL_LINK] and b.blobs.get(content) == b"kept portrait"
    assert not b.blobs.exists(kept)


def test_image_uploads_report_bytes_and_a_cancel_pushes_no_row_without_them(world: World) -> None:
    a, b = world.client("laptop"), world.client("desktop")
    images = [b"portrait %d" % n * 1000 for n in range(3)]
    record_kept(a, "g1", images)
    seen: list[SyncProgress] = []
    with pytest.raises(CancelledError):
        a.sync_engine.sync(progress=seen.append, cancel=lambda: any(p.phase == "upload" for p in seen))
    assert {p.bytes_total for p in seen if p.phase == "upload"} == {sum(map(len, images))}
    assert server_rows(world, GenerationLog) == {} and dangling(world, a) == []
    report = a.sync_engine.sync(progress=seen.append)
    assert report.pushed == 1 and seen[-1].phase == "pull"
    b.sync()
    [row] = local_rows(b, GenerationLog).values()
    assert [b.blobs.get(k) for k in row["image_urls"]] == images


def test_an_upload_that_fails_once_is_retried_within_the_sync(world: World) -> None:
    a = world.client("laptop", ScriptedPlan({"s3.put_object": {1: "http503"}}))
    b = world.client("desktop")
    record_kept(a, "g1", [b"one", b"two"])
    assert a.sync().uploaded_blobs == 2
    b.sync()
    [row] = local_rows(b, GenerationLog).values()
    assert [b.blobs.get(k) for k in row["image_urls"]] == [b"one", b"two"]


def test_offline_during_the_upload_pushes_no_row_and_the_next_sync_completes(world: World) -> None:
    refused = {n: "refused" for n in range(1, 4)}  # every attempt of the first upload
    a = world.client("laptop", ScriptedPlan({"s3.put_object": refused}))
    b = world.client("desktop")
    record_kept(a, "g1", [b"one", b"two"])
    ProfileService(a.engine).ensure(a.me)
    ProfileService(a.engine).set_my_avatar(a.me, generation_key("alice", "g1", 1))
    with pytest.raises(OfflineError):
        a.sync()
    assert server_rows(world, GenerationLog) == {} and server_rows(world, PlayerProfile) == {}
    a.sync()
    b.sync()
    profile = ProfileService(b.engine).get("alice")
    assert profile is not None and b.blobs.get(profile.avatar_url or "") == b"two"
    assert dangling(world, a, b) == []


@pytest.mark.parametrize(
    ("script", "committed"),
    [
        ({"s3.put_object": {2: "crash_after"}}, False),  # an image sent, then the device dies
        ({"pg.begin": {2: "crash_before"}}, False),  # every image sent, the row never committed
        ({"pg.commit": {2: "crash_after"}}, True),  # the row committed, the answer never arrived
    ],
    ids=["mid-upload", "before-commit", "after-commit"],
)
def test_a_crash_during_the_push_leaves_no_row_without_its_images(
    world: World, script: dict[str, dict[int, str]], committed: bool
) -> None:
    a = world.client("laptop", ScriptedPlan(script))
    b = world.client("desktop")
    record_kept(a, "g1", [b"one", b"two", b"three"])
    with pytest.raises(SimulatedCrash):
        a.sync()  # (pg call 1 settles the player's users row; call 2 is the log's push)
    a = a.crash()
    assert list(server_rows(world, GenerationLog)) == (["g1"] if committed else [])
    assert dangling(world, a) == []
    b.sync()
    assert dangling(world, b) == []
    a.sync()
    b.sync()
    [row] = local_rows(b, GenerationLog).values()
    assert [b.blobs.get(k) for k in row["image_urls"]] == [b"one", b"two", b"three"]
    assert dangling(world, a, b) == []


def test_a_crash_while_pulling_images_applies_no_row_until_they_are_all_here(world: World) -> None:
    a = world.client("laptop")
    b = world.client("desktop", ScriptedPlan({"s3.get_object": {2: "crash_before"}}))
    record_kept(a, "g1", [b"one", b"two", b"three"])
    a.sync()
    with pytest.raises(SimulatedCrash):
        b.sync()
    b = b.crash()
    assert local_rows(b, GenerationLog) == {}  # files before rows: one image arrived, no row yet
    b.sync()
    [row] = local_rows(b, GenerationLog).values()
    assert [b.blobs.get(k) for k in row["image_urls"]] == [b"one", b"two", b"three"]


def test_logs_synced_before_their_images_travelled_send_them_on_the_next_sync(world: World) -> None:
    """An older version pushed ``generations/...`` keys without the bytes; the next sync of the
    device that holds them sends them and rewrites the row, and the other device gets them."""
    a, b = world.client("laptop"), world.client("desktop")
    key = generation_key("alice", "g1", 0)
    GalleryService(a.engine).record(
        "g1", "alice", "a knight", status="success", image_url=key, image_urls=[key]
    )
    a.sync()  # the file is not there yet: the row goes up naming the bare key, as it used to
    b.sync()
    assert local_rows(b, GenerationLog)["g1"]["image_urls"] == [key] and not b.blobs.exists(key)
    a.blobs.put(key, b"the old portrait", "image/png")

    assert b.sync().pushed == 0  # B does not hold the file: nothing to send
    report = a.sync()
    assert (report.pushed, report.uploaded_blobs) == (1, 1)
    assert a.sync().pushed == 0  # settled
    b.sync()
    [row] = local_rows(b, GenerationLog).values()
    assert row["image_urls"] == [object_key(sha256_bytes(b"the old portrait"))]
    assert b.blobs.get(row["image_url"]) == b"the old portrait"
