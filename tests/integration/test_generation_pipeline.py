"""The whole generation pipeline against the Fal stand-in, on SQLite and the real PostgreSQL.

Real parts throughout: fal-client's SyncClient over HTTP, the migrated database, the local blob
store, Pillow decoding. Only the Fal server is the local stand-in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine

from studio.blobs import LocalBlobStore
from studio.domain.errors import CancelledError
from studio.domain.identity import Identity
from studio.domain.moderation import PromptRefusedError, parse_blocked_terms
from studio.domain.presets import PresetCatalog
from studio.generation.fal import FalConfig, FalGenerator
from studio.generation.keeper import BlobImageSink
from studio.generation.ports import FalKeyRejectedError, FalUnavailableError, GenerationFailedError, Progress
from studio.generation.standin import FalStandIn
from studio.services.generate import GenerationPolicy, GenerationService
from studio.services.profiles import ProfileService
from studio.store.engine import make_engine
from studio.store.generation_logs import GenerationLogStore, RateLimitedError
from tests.fixtures.fal import REVOKED_KEY

ME = Identity.of("alice", "0x5a")
MakeService = Callable[..., GenerationService]


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def blobs(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.fixture
def make_service(engine: Engine, blobs: LocalBlobStore, fal_config: FalConfig) -> Iterator[MakeService]:
    clients: list[httpx.Client] = []

    def make(config: FalConfig = fal_config, **policy: object) -> GenerationService:
        clients.append(httpx.Client(timeout=10))
        return GenerationService(
            logs=GenerationLogStore(engine), generator=lambda: FalGenerator(config),
            sink=BlobImageSink(blobs),
            http=clients[-1], moderation=parse_blocked_terms(None), presets=PresetCatalog(),
            profiles=ProfileService(engine), policy=GenerationPolicy(**policy),  # type: ignore[arg-type]
        )

    yield make
    for client in clients:
        client.close()


def test_generate_keeps_four_portraits(make_service: MakeService, blobs: LocalBlobStore,
                                       fal_standin: FalStandIn, engine: Engine) -> None:
    service = make_service()
    updates: list[Progress] = []
    log = service.generate(ME, "red-haired knight", style="fantasy", seed=7, on_progress=updates.append)

    assert log.status == "success" and log.error_message is None and log.completed_at is not None
    assert (log.style, log.seed, log.model) == ("fantasy", 7, "fal-ai/flux-2/lora")
    assert log.image_urls == tuple(f"generations/alice/{log.id}-{n}.png" for n in range(4))
    assert log.image_url == log.image_urls[0]
    for ref in log.image_urls:
        assert blobs.get(ref).startswith(b"\x89PNG")
    sent = fal_standin.job(log.fal_job_id or "").arguments["prompt"]
    assert sent.startswith("professional game avatar, red-haired knight, high fantasy style")
    assert sent.endswith("portrait style, clean background")
    states = [u.state for u in updates]
    assert states[0] == "submitted" and "queued" in states and "running" in states
    assert states[-2:] == ["downloading", "stored"]
    profile = ProfileService(engine).get("alice")
    assert profile is not None and profile.generation_count == 1 and profile.last_generation_at is not None


def test_nsfw_flagged_images_are_dropped_without_download(make_service: MakeService,
                                                          fal_standin: FalStandIn) -> None:
    log = make_service().generate(ME, "elf ranger [[fake:flag=1|3]]")
    assert log.status == "success"
    assert [ref.rsplit("-", 1)[1] for ref in log.image_urls] == ["0.png", "2.png"]
    assert "image 2: flagged as NSFW" in (log.error_message or "")
    assert sorted(fal_standin.job(log.fal_job_id or "").downloads) == [0, 2]


def test_corrupt_fake_wrong_size_and_bomb_images_are_refused(make_service: MakeService) -> None:
    log = make_service().generate(ME, "dwarf smith [[fake:corrupt=0,junk=1,size=2]]")
    assert log.status == "success" and log.image_urls == (f"generations/alice/{log.id}-3.png",)
    note = log.error_message or ""
    assert "image 1: corrupt PNG data" in note
    assert "image 2: not a PNG, JPEG or WebP image" in note
    assert "image 3: 512x512 pixels instead of the requested 1024x1024" in note


def test_a_jpeg_declared_as_png_is_stored_as_jpeg(make_service: MakeService, blobs: LocalBlobStore) -> None:
    log = make_service().generate(ME, "orc [[fake:jpeg=1,bomb=3]]")
    assert log.image_urls == tuple(f"generations/alice/{log.id}-{n}.jpg" for n in range(3))
    assert blobs.get(log.image_urls[0]).startswith(b"\xff\xd8\xff")
    assert "image 4: refused as a decompression bomb" in (log.error_message or "")


def test_an_expired_link_loses_only_that_image(make_service: MakeService) -> None:
    log = make_service().generate(ME, "pirate [[fake:expire=2,deny=0]]")
    assert log.status == "success" and len(log.image_urls) == 2
    assert "image 3: the link has expired (HTTP 404)" in (log.error_message or "")
    assert "image 1: the link has expired (HTTP 403)" in (log.error_message or "")


def test_all_links_expired_fails_without_using_the_quota(make_service: MakeService) -> None:
    service = make_service()
    with pytest.raises(GenerationFailedError, match="did not use up your quota"):
        service.generate(ME, "pirate [[fake:expire=all]]")
    failed = service.list_generations(ME)[0]
    assert failed.status == "failed" and "link has expired" in (failed.error_message or "")
    assert service.quota(ME).used == 0
    assert service.generate(ME, "pirate, second try").status == "success"


def test_refused_prompts_are_logged_and_never_sent(
    make_service: MakeService, fal_standin: FalStandIn
) -> None:
    service = make_service()
    with pytest.raises(PromptRefusedError, match='blocked term "nude"'):
        service.generate(ME, "n.u.d.e elf")
    refused = service.list_generations(ME)[0]
    assert (refused.status, refused.prompt) == ("refused", "n.u.d.e elf")
    assert fal_standin.requests == []
    assert service.quota(ME).used == 0


def test_the_rate_limit_says_when_the_next_generation_is(make_service: MakeService) -> None:
    service = make_service()
    first = service.generate(ME, "samurai")
    with pytest.raises(RateLimitedError, match="next one is available at") as info:
        service.generate(ME, "samurai again")
    assert info.value.next_available_at == first.created_at + timedelta(hours=24)
    quota = service.quota(ME)
    assert (quota.used, quota.remaining, quota.next_available_at) == (1, 0, info.value.next_available_at)
    weekly = make_service(limit=3, window=timedelta(days=7))
    assert weekly.generate(ME, "samurai, weekly plan").status == "success"


def test_resume_after_restart(make_service: MakeService, fal_standin: FalStandIn) -> None:
    pending = make_service().start(ME, "viking [[fake:queue=3,run=3]]")
    assert pending.status == "pending" and pending.fal_job_id
    restarted = make_service()  # new service, new fal-client, same database
    done = restarted.resume(ME)
    assert [(v.id, v.status, len(v.image_urls)) for v in done] == [(pending.id, "success", 4)]
    assert restarted.resume(ME) == []


def test_duplicate_completions_change_nothing(make_service: MakeService, engine: Engine) -> None:
    service = make_service()
    log = service.generate(ME, "paladin")
    again = make_service().wait(ME, log.id)  # e.g. two resumes racing
    assert again == log
    assert GenerationLogStore(engine).complete(log.id, ["generations/alice/other.png"]) is False
    assert service.get(ME, log.id).image_urls == log.image_urls
    profile = ProfileService(engine).get("alice")
    assert profile is not None and profile.generation_count == 1


def test_cancel_a_queued_job(make_service: MakeService, fal_standin: FalStandIn) -> None:
    service = make_service()
    pending = service.start(ME, "ranger [[fake:queue=100]]")
    cancelled = service.cancel(ME, pending.id)
    assert cancelled.status == "cancelled"
    assert fal_standin.job(pending.fal_job_id or "").cancelled
    with pytest.raises(RateLimitedError):  # a cancelled job counts (Fal may have run it)
        service.start(ME, "ranger again")


def test_cancel_while_waiting(make_service: MakeService) -> None:
    service = make_service()
    calls = iter(range(100))
    with pytest.raises(CancelledError):
        service.generate(ME, "monk [[fake:queue=100]]", should_cancel=lambda: next(calls) > 2)
    assert service.list_generations(ME)[0].status == "cancelled"


def test_a_revoked_key_fails_the_job_without_using_the_quota(make_service: MakeService,
                                                             fal_config: FalConfig) -> None:
    revoked = FalConfig(**{**fal_config.__dict__, "key": REVOKED_KEY})
    service = make_service(revoked)
    with pytest.raises(FalKeyRejectedError, match=r"update it.*It did not use up your quota"):
        service.generate(ME, "bard")
    assert service.list_generations(ME)[0].status == "failed"
    assert service.quota(ME).used == 0


def test_fal_too_busy_to_take_the_job_says_so_in_plain_words(make_service: MakeService) -> None:
    """QA F14: a 429 storm at submit reads like the other failures and says the quota is untouched."""
    service = make_service()
    with pytest.raises(FalUnavailableError) as caught:
        service.generate(ME, "a knight [[fake:s429=50]]")
    said = str(caught.value)
    assert said.startswith("Fal is busy right now") and "Try again in a few minutes" in said
    assert said.endswith("It did not use up your quota.") and service.quota(ME).used == 0


def test_choose_a_generated_image_as_the_profile_avatar(make_service: MakeService, engine: Engine) -> None:
    service = make_service()
    log = service.generate(ME, "witch")
    profile = service.choose_avatar(ME, log.id, 2)
    assert profile.avatar_url == log.image_urls[2]
    assert profile.avatar_generation_prompt == "witch" and profile.fal_image_id == log.fal_job_id
    bob = Identity.of("bob", "0x6b")
    with pytest.raises(Exception, match="no generation"):
        service.choose_avatar(bob, log.id, 0)
