"""A local stand-in for Fal's queue API, for tests and demos (``studio fake-fal``).

It speaks the protocol as fal-client uses it (fal-client 1.0, ``fal_client/client.py``):

* ``POST /{owner}/{alias}[/{path}]`` -> ``{request_id, status_url, response_url, cancel_url}``
* ``GET  /{owner}/{alias}/requests/{id}/status?logs=1`` -> ``IN_QUEUE`` + ``queue_position`` |
  ``IN_PROGRESS`` + ``logs`` | ``COMPLETED`` + ``logs``, ``metrics`` (and ``error`` when it failed)
* ``GET  /{owner}/{alias}/requests/{id}`` -> ``{images, has_nsfw_concepts, seed, prompt, timings}``
* ``PUT  /{owner}/{alias}/requests/{id}/cancel`` -> 202, or 400 ``ALREADY_COMPLETED``
* ``GET  /files/{id}/{n}.png`` -> the image bytes (the "CDN"; no key needed, like Fal's media links)

Every queue call needs ``Authorization: Key ...``; with ``keys`` set, other keys get 401 and
``revoked`` keys 403. Jobs advance one step per status poll, so tests are deterministic. How a
job misbehaves is its :class:`~studio.generation.standin_media.Scenario` (server defaults, or a
``[[fake:...]]`` marker in the prompt). Only ever bind it to 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from studio.generation.ports import IMAGE_SIZES
from studio.generation.standin_media import Scenario, image_bytes, marker_of

STEPS_LOGGED = 28


@dataclass
class FakeJob:
    id: str
    app: str
    arguments: dict[str, Any]
    scenario: Scenario
    polls: int = 0
    status_errors: int = 0
    hung: bool = False
    cancelled: bool = False
    downloads: list[int] = field(default_factory=list)

    @property
    def size(self) -> tuple[int, int]:
        return IMAGE_SIZES.get(str(self.arguments.get("image_size", "square_hd")), (1024, 1024))

    @property
    def completed(self) -> bool:
        return self.cancelled or self.polls > self.scenario.queue + self.scenario.run

    def logs(self) -> list[dict[str, Any]]:
        done = max(0, min(self.polls - self.scenario.queue, self.scenario.run))
        return [
            {"message": f"step {k * STEPS_LOGGED // max(1, self.scenario.run)}/{STEPS_LOGGED}",
             "level": "INFO", "source": "USER", "timestamp": "2024-01-01T00:00:00Z"}
            for k in range(1, done + 1)
        ]


class FalStandIn:
    """The server. ``with FalStandIn() as fal:`` starts it on a free port of 127.0.0.1."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        scenario: Scenario | None = None,
        keys: set[str] | None = None,
        revoked: set[str] | None = None,
        latency: float = 0.0,
    ) -> None:
        self.scenario = scenario or Scenario()
        self.keys = keys
        self.revoked = revoked or set()
        self.latency = latency
        self.jobs: dict[str, FakeJob] = {}
        self.submits: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []  # (method, path), for tests
        self.lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.standin = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}/"

    def start(self) -> FalStandIn:
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="fal-standin", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FalStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run in the foreground (``studio fake-fal``) until interrupted."""
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def job(self, request_id: str) -> FakeJob:
        return self.jobs[request_id]


class _Handler(BaseHTTPRequestHandler):
    server_version = "FalStandIn/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes: no 40 ms stalls

    @property
    def fal(self) -> FalStandIn:
        return self.server.standin  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests read .requests instead
        pass

    # -- plumbing -----------------------------------------------------------------------------
    def _send(self, code: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-fal-request-id", "standin")
        self.end_headers()
        self.wfile.write(body)

    def _json(self, code: int, data: Any) -> None:
        self._send(code, json.dumps(data).encode())

    def _parts(self) -> list[str]:
        return [p for p in urlsplit(self.path).path.split("/") if p]

    def _authorised(self) -> bool:
        header = self.headers.get("Authorization", "")
        key = header[4:] if header.startswith("Key ") else ""
        known = self.fal.keys is None or key in self.fal.keys or key in self.fal.revoked
        if not key or not known:
            self._json(401, {"detail": "No valid API key was provided"})
            return False
        if key in self.fal.revoked:
            self._json(403, {"detail": "This API key has been revoked"})
            return False
        return True

    def _enter(self) -> list[str]:
        with self.fal.lock:
            self.fal.requests.append((self.command, urlsplit(self.path).path))
        if self.fal.latency:
            time.sleep(self.fal.latency)
        return self._parts()

    # -- verbs -----------------------------------------------------------------------------------
    def do_POST(self) -> None:
        parts = self._enter()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not self._authorised():
            return
        if len(parts) < 2 or "requests" in parts:
            self._json(404, {"detail": "Application not found"})
            return
        try:
            arguments = json.loads(body or b"{}")
        except ValueError:
            self._json(422, {"detail": "body is not JSON"})
            return
        self._submit("/".join(parts[:2]), arguments)

    def do_GET(self) -> None:
        parts = self._enter()
        if parts[:1] == ["files"] and len(parts) == 3:
            self._file(parts[1], parts[2])
            return
        if not self._authorised():
            return
        if len(parts) == 5 and parts[2] == "requests" and parts[4] == "status":
            self._status(parts[3])
        elif len(parts) == 4 and parts[2] == "requests":
            self._result(parts[3])
        else:
            self._json(404, {"detail": "Not found"})

    def do_PUT(self) -> None:
        parts = self._enter()
        if not self._authorised():
            return
        if len(parts) == 5 and parts[2] == "requests" and parts[4] == "cancel":
            self._cancel(parts[3])
        else:
            self._json(404, {"detail": "Not found"})

    # -- queue ---------------------------------------------------------------------------------
    def _submit(self, app: str, arguments: dict[str, Any]) -> None:
        prompt = str(arguments.get("prompt", ""))
        try:
            scenario = self.fal.scenario.with_marker(prompt)
        except ValueError as exc:
            self._json(422, {"detail": str(exc)})
            return
        marker = marker_of(prompt)
        with self.fal.lock:
            seen = self.fal.submits[marker] = self.fal.submits.get(marker, 0) + 1
        if seen <= scenario.s429:
            self._json(429, {"detail": "Too many requests"})
            return
        if seen <= scenario.s429 + scenario.s500:
            self._json(500, {"detail": "Internal server error"})
            return
        job = FakeJob(uuid.uuid4().hex, app, arguments, scenario)
        with self.fal.lock:
            self.fal.jobs[job.id] = job
        base = f"{self.fal.url}{app}/requests/{job.id}"
        self._json(200, {"request_id": job.id, "status_url": base + "/status", "response_url": base,
                         "cancel_url": base + "/cancel", "queue_position": job.scenario.queue})

    def _find(self, request_id: str) -> FakeJob | None:
        job = self.fal.jobs.get(request_id)
        if job is None:
            self._json(404, {"detail": f"Request {request_id} not found"})
        return job

    def _status(self, request_id: str) -> None:
        job = self._find(request_id)
        if job is None:
            return
        sc = job.scenario
        with self.fal.lock:
            hang = sc.hang if not job.hung else 0.0
            job.hung = True
            job.status_errors += 1
            failing = job.status_errors <= sc.st429 + sc.st500
            if not failing:
                job.polls += 1
        if hang:
            time.sleep(hang)
        if failing:
            code = 429 if job.status_errors <= sc.st429 else 500
            self._json(code, {"detail": "Too many requests" if code == 429 else "Internal server error"})
            return
        if job.completed:
            data: dict[str, Any] = {"status": "COMPLETED", "logs": job.logs(), "metrics": {}}
            if job.cancelled:
                data["error"] = "Request was cancelled"
            elif sc.fail:
                data["error"] = "The model failed to generate images"
            self._json(200, data)
        elif job.polls <= sc.queue:
            self._json(200, {"status": "IN_QUEUE", "queue_position": sc.queue - job.polls})
        else:
            self._json(200, {"status": "IN_PROGRESS", "logs": job.logs()})

    def _result(self, request_id: str) -> None:
        job = self._find(request_id)
        if job is None:
            return
        if not job.completed:
            self._json(400, {"detail": "Request is still in progress"})
        elif job.cancelled:
            self._json(400, {"detail": "Request was cancelled"})
        elif job.scenario.fail:
            self._json(500, {"detail": "The model failed to generate images"})
        else:
            self._json(200, self._output(job))

    def _output(self, job: FakeJob) -> dict[str, Any]:
        count = int(job.arguments.get("num_images", 4))
        width, height = job.size
        images = [
            {"url": f"{self.fal.url}files/{job.id}/{n}.png", "width": width, "height": height,
             "content_type": "image/png"}
            for n in range(count)
        ]
        return {"images": images, "has_nsfw_concepts": [n in job.scenario.flag for n in range(count)],
                "seed": job.arguments.get("seed", 0), "prompt": job.arguments.get("prompt", ""),
                "timings": {"inference": 1.0}}

    def _cancel(self, request_id: str) -> None:
        job = self._find(request_id)
        if job is None:
            return
        if job.completed:
            self._json(400, {"status": "ALREADY_COMPLETED"})
            return
        job.cancelled = True
        self._json(202, {"status": "CANCELLATION_REQUESTED"})

    # -- the "CDN" -----------------------------------------------------------------------------
    def _file(self, request_id: str, name: str) -> None:
        job = self.fal.jobs.get(request_id)
        stem = name.split(".", 1)[0]
        if job is None or not job.completed or job.cancelled or not stem.isdigit():
            self._send(404, b"Not Found", "text/plain")
            return
        index = int(stem)
        job.downloads.append(index)
        if index in job.scenario.expire:
            self._send(404, b"The requested file has expired", "text/plain")
        elif index in job.scenario.deny:
            self._send(403, b"AccessDenied: Request has expired", "text/plain")
        else:
            width, height = job.size
            self._send(200, image_bytes(job.scenario, index, width, height), "image/png")
