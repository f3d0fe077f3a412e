"""FalGenerator end to end through the real fal-client SyncClient, against the local stand-in."""

from __future__ import annotations

import socket

import pytest

from studio.domain.errors import CancelledError, OfflineError
from studio.generation.fal import FalConfig, FalGenerator
from studio.generation.ports import (
    FalKeyRejectedError,
    FalUnavailableError,
    GenerationFailedError,
    GenerationRequest,
    Progress,
)
from studio.generation.standin import FalStandIn
from tests.fixtures.fal import REVOKED_KEY


def _request(prompt: str = "a knight") -> GenerationRequest:
    return GenerationRequest(prompt=f"professional game avatar, {prompt}, portrait style", seed=42)


def test_submit_sends_the_seed_request_and_reports_queue_progress(
    fal_generator: FalGenerator, fal_standin: FalStandIn
) -> None:
    updates: list[Progress] = []
    request_id = fal_generator.submit(_request("a knight [[fake:queue=3,run=2]]"))
    output = fal_generator.wait(request_id, updates.append)

    job = fal_standin.job(request_id)
    assert job.app == "fal-ai/flux-2"
    assert ("POST", "/fal-ai/flux-2/lora") in fal_standin.requests
    args = job.arguments
    assert (args["image_size"], args["num_inference_steps"], args["num_images"], args["seed"]) == (
        "square_hd", 28, 4, 42,
    )
    assert args["loras"] == [{"path": _request().loras[0].path, "scale": 1.0}]
    assert [u.position for u in updates if u.state == "queued"] == [2, 1, 0]
    logs = [line for u in updates if u.state == "running" for line in u.logs]
    assert logs == ["step 14/28", "step 28/28"]  # each log line reported once
    assert updates[-1].state == "completed"
    assert len(output.images) == 4 and output.seed == 42
    assert all(i.url.startswith(fal_standin.url + "files/") for i in output.images)


def test_a_429_storm_is_ridden_out_with_backoff(fal_generator: FalGenerator, fal_standin: FalStandIn) -> None:
    request_id = fal_generator.submit(_request("[[fake:s429=4,st429=2,st500=1]]"))
    output = fal_generator.wait(request_id)
    assert len(output.images) == 4
    submits = [r for r in fal_standin.requests if r[0] == "POST"]
    assert len(submits) == 5  # four 429s, then accepted


def test_a_429_storm_longer_than_the_retries_is_a_clear_error(
    fal_generator: FalGenerator, fal_standin: FalStandIn
) -> None:
    with pytest.raises(FalUnavailableError, match=r"busy right now.*HTTP 429 to 5 tries"):
        fal_generator.submit(_request("[[fake:s429=50]]"))


def test_500s_are_retried(fal_generator: FalGenerator) -> None:
    request_id = fal_generator.submit(_request("[[fake:s500=2]]"))
    assert len(fal_generator.wait(request_id).images) == 4


def test_a_revoked_key_tells_the_user_to_update_it(fal_config: FalConfig) -> None:
    generator = FalGenerator(FalConfig(**{**fal_config.__dict__, "key": REVOKED_KEY}))
    with pytest.raises(FalKeyRejectedError, match=r"HTTP 403.*update it"):
        generator.submit(_request())
    wrong = FalGenerator(FalConfig(**{**fal_config.__dict__, "key": "not-a-key-at-all"}))
    with pytest.raises(FalKeyRejectedError, match="HTTP 401"):
        wrong.submit(_request())


def test_unreachable_fal_is_an_offline_error(fal_config: FalConfig) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    generator = FalGenerator(FalConfig(**{**fal_config.__dict__, "queue_url": f"http://127.0.0.1:{port}/"}))
    with pytest.raises(OfflineError, match=r"cannot reach Fal at 127\.0\.0\.1"):
        generator.submit(_request())


def test_a_hanging_status_call_times_out_and_is_retried(fal_config: FalConfig) -> None:
    generator = FalGenerator(FalConfig(**{**fal_config.__dict__, "request_timeout": 0.3}))
    request_id = generator.submit(_request("[[fake:hang=1.5]]"))
    assert len(generator.wait(request_id).images) == 4


def test_a_failed_job_is_a_generation_error(fal_generator: FalGenerator) -> None:
    request_id = fal_generator.submit(_request("[[fake:fail=1]]"))
    with pytest.raises(GenerationFailedError, match="failed to generate"):
        fal_generator.wait(request_id)


def test_cancel_stops_the_job_on_the_server(fal_generator: FalGenerator, fal_standin: FalStandIn) -> None:
    request_id = fal_generator.submit(_request("[[fake:queue=50]]"))
    polls = iter(range(100))
    with pytest.raises(CancelledError):
        fal_generator.wait(request_id, should_cancel=lambda: next(polls) >= 3)
    assert fal_standin.job(request_id).cancelled
    assert ("PUT", f"/fal-ai/flux-2/requests/{request_id}/cancel") in fal_standin.requests


def test_cancel_after_completion_reports_too_late(fal_generator: FalGenerator) -> None:
    request_id = fal_generator.submit(_request("[[fake:queue=0,run=0]]"))
    fal_generator.wait(request_id)
    assert fal_generator.cancel(request_id) is False


def test_resume_after_restart_reattaches_by_request_id(
    fal_config: FalConfig, fal_standin: FalStandIn
) -> None:
    first = FalGenerator(fal_config)
    request_id = first.submit(_request("[[fake:queue=2,run=2]]"))
    del first  # the app quits; only the request id was stored
    restarted = FalGenerator(fal_config)  # a new fal-client SyncClient
    updates: list[Progress] = []
    output = restarted.wait(request_id, updates.append)
    assert len(output.images) == 4
    assert any(u.state == "queued" for u in updates)
    # The re-attached handle uses fal-client's own request-id URLs.
    assert ("GET", f"/fal-ai/flux-2/requests/{request_id}") in fal_standin.requests


def test_two_generators_with_different_queues_do_not_mix(
    fal_config: FalConfig, fal_standin: FalStandIn
) -> None:
    with FalStandIn(keys={fal_config.key}) as other:
        first = FalGenerator(fal_config)
        second = FalGenerator(FalConfig(**{**fal_config.__dict__, "queue_url": other.url}))
        a, b = first.submit(_request()), second.submit(_request())  # second was built last
        assert a in fal_standin.jobs and b in other.jobs
        assert len(first.wait(a).images) == len(second.wait(b).images) == 4
