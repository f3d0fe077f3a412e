"""Generate avatar portraits (seed 000's core feature): the use cases the UI and CLI call.

``start`` moderates the prompt, reserves a rate-limit slot and writes the ``pending`` log row
(one transaction), then submits to Fal and records the request id. ``wait`` follows the job
(queue position and logs as progress), keeps the images (download all, validate, store) and
records the permanent refs. ``resume`` re-attaches to every unfinished job after a restart;
``cancel`` stops one. A job that is already final is returned as it is, so duplicate
completions change nothing. See docs/generation.md.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from studio.blobs.layout import generation_key
from studio.domain.errors import CancelledError, InvalidInputError, NotFoundError, OfflineError, StudioError
from studio.domain.identity import Identity
from studio.domain.moderation import BlockedTerms
from studio.domain.presets import (
    PresetCatalog,
    StylePreset,
    dump_user_presets,
    expand_prompt,
    validate_style_name,
)
from studio.fsutil import write_atomic
from studio.generation.images import DEFAULT_MAX_BYTES
from studio.generation.keeper import keep_images
from studio.generation.ports import (
    IMAGE_SIZES,
    SEED_LORA_URL,
    CancelCheck,
    GenerationFailedError,
    GenerationOutput,
    GenerationRequest,
    Generator,
    ImageSink,
    Lora,
    Progress,
    ProgressCallback,
)
from studio.services.profiles import ProfileService, ProfileView
from studio.store.generation_logs import ACTIVE, CONSUMING, GenerationLogStore, LogView, Quota

MAX_SEED = 2**31 - 1


@dataclass(frozen=True)
class GenerationPolicy:
    """The knobs seed 000 leaves configurable."""

    limit: int = 1
    window: timedelta = timedelta(hours=24)
    image_size: str = "square_hd"
    steps: int = 28
    num_images: int = 4
    loras: tuple[Lora, ...] = field(default=(Lora(SEED_LORA_URL),))
    max_image_bytes: int = DEFAULT_MAX_BYTES


@dataclass(frozen=True)
class LastResult:
    log: LogView
    chosen_index: int | None  # which image is the profile avatar; None: none of these


def _noted(error: StudioError, status: str) -> StudioError:
    """``error`` again (same type and code) with :func:`_with_quota_note`'s sentence added."""
    try:
        return type(error)(_with_quota_note(str(error), status), code=error.code)
    except TypeError:  # an error type with its own constructor: as it was
        return error


def _with_quota_note(message: str, status: str) -> str:
    """A failure message that says whether the job counted against the generation limit."""
    note = (
        "It still counts against your generation limit."
        if status in CONSUMING
        else "It did not use up your quota."
    )
    return f"{message.rstrip('. ')}. {note}"


class GenerationService:
    def __init__(
        self,
        *,
        logs: GenerationLogStore,
        generator: Callable[[], Generator],
        sink: ImageSink,
        http: httpx.Client,
        moderation: BlockedTerms,
        presets: PresetCatalog,
        profiles: ProfileService,
        policy: GenerationPolicy | None = None,
        styles_path: Path | None = None,
    ) -> None:
        self.logs = logs
        self._generator_factory = generator
        self._generator: Generator | None = None
        self.sink = sink
        self.http = http
        self.moderation = moderation
        self.presets = presets
        self.profiles = profiles
        self.policy = policy or GenerationPolicy()
        self.styles_path = styles_path

    @property
    def generator(self) -> Generator:
        """Built on first use: listing generations never needs the Fal key."""
        if self._generator is None:
            self._generator = self._generator_factory()
        return self._generator

    # -- starting ------------------------------------------------------------------------------
    def start(
        self, me: Identity, prompt: str, style: str | None = None, seed: int | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> LogView:
        """Moderate, reserve a slot (atomically), log ``pending``, submit; returns the pending job."""
        preset = self.presets.get(style) if style else None
        full_prompt = expand_prompt(prompt, preset)  # validates the prompt too
        verdict = self.moderation.check(f"{prompt}, {preset.words}" if preset else prompt)
        if not verdict.allowed:
            self.logs.record_refused(
                username=me.username, prompt=prompt, style=preset.name if preset else None,
                reason=verdict.reason,
            )
            verdict.raise_if_refused()
        if seed is not None and not 0 <= seed <= MAX_SEED:
            raise InvalidInputError(f"the seed must be between 0 and {MAX_SEED}")
        generator = self.generator  # a missing key fails here, before a slot is taken
        log = self.logs.reserve(
            username=me.username, address=me.address, prompt=" ".join(prompt.split()),
            style=preset.name if preset else None, seed=random.randint(0, MAX_SEED) if seed is None else seed,
            model=generator.model, limit=self.policy.limit, window=self.policy.window,
        )
        try:
            request_id = generator.submit(self._request(full_prompt, log.seed or 0))
        except StudioError as exc:  # refused, busy, offline, key rejected: the same error, quota said
            self.logs.fail(log.id, f"Fal did not accept the job: {exc}")
            raise _noted(exc, self.logs.get(log.id).status) from exc
        self.logs.attach_job(log.id, request_id)
        if on_progress is not None:
            on_progress(Progress("submitted", message=request_id))
        return self.logs.get(log.id)

    def _request(self, full_prompt: str, seed: int) -> GenerationRequest:
        p = self.policy
        return GenerationRequest(full_prompt, seed, p.image_size, p.steps, p.num_images, p.loras)

    def generate(
        self, me: Identity, prompt: str, style: str | None = None, seed: int | None = None,
        on_progress: ProgressCallback | None = None, should_cancel: CancelCheck | None = None,
    ) -> LogView:
        log = self.start(me, prompt, style, seed, on_progress)
        return self.wait(me, log.id, on_progress, should_cancel)

    # -- following -----------------------------------------------------------------------------
    def wait(
        self, me: Identity, log_id: str, on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> LogView:
        """Follow the job to its end and keep its images. A final job is returned unchanged."""
        log = self._own(me, log_id)
        if log.status not in ACTIVE:
            return log
        if log.fal_job_id is None:
            self.logs.fail(log.id, "the studio stopped before Fal accepted the job")
            return self.logs.get(log.id)
        running = False

        def progress(update: Progress) -> None:
            nonlocal running
            if update.state == "running" and not running:
                running = True
                self.logs.mark_in_progress(log.id)
            if on_progress is not None:
                on_progress(update)

        try:
            output = self.generator.wait(log.fal_job_id, progress, should_cancel)
        except CancelledError:
            self.logs.cancel(log.id)
            raise
        except GenerationFailedError as exc:
            self.logs.fail(log.id, str(exc))
            raise GenerationFailedError(_with_quota_note(str(exc), self.logs.get(log.id).status)) from exc
        return self._keep(me, log, output, on_progress)

    def _keep(
        self, me: Identity, log: LogView, output: GenerationOutput, on_progress: ProgressCallback | None
    ) -> LogView:
        if self.logs.get(log.id).status not in ACTIVE:  # cancelled or completed elsewhere meanwhile
            return self.logs.get(log.id)
        if on_progress is not None:
            on_progress(Progress("downloading", message=f"{len(output.images)} images"))
        result = keep_images(
            output, http=self.http, sink=self.sink,
            key_for=lambda index, ext: generation_key(me.username, log.id, index, ext),
            expected=IMAGE_SIZES[self.policy.image_size], max_bytes=self.policy.max_image_bytes,
        )
        if not result.kept:
            message = f"no usable image came back ({result.summary() or 'Fal returned none'})"
            self.logs.fail(log.id, message)
            raise GenerationFailedError(f"The generation failed: {message}. It did not use up your quota.")
        note = None
        if result.dropped:
            note = f"{len(result.dropped)} of {len(output.images)} images dropped: {result.summary()}"
        self.logs.complete(log.id, result.refs, note)
        if on_progress is not None:
            on_progress(Progress("stored", message=f"{len(result.kept)} images kept"))
        return self.logs.get(log.id)

    def resume(
        self, me: Identity, on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> list[LogView]:
        """Re-attach to every unfinished job (after a restart). Offline stops the round; the jobs stay."""
        done: list[LogView] = []
        for log in self.logs.unfinished(me.username):
            try:
                done.append(self.wait(me, log.id, on_progress, should_cancel))
            except OfflineError:
                raise
            except StudioError:
                done.append(self.logs.get(log.id))
        return done

    def cancel(self, me: Identity, log_id: str) -> LogView:
        """Cancel a job; one Fal already finished is kept instead (its images are paid for)."""
        log = self._own(me, log_id)
        if log.status not in ACTIVE:
            raise InvalidInputError(f"generation {log_id} is already {log.status}")
        if log.fal_job_id is None or self.generator.cancel(log.fal_job_id):
            self.logs.cancel(log.id)
            return self.logs.get(log.id)
        return self.wait(me, log.id)

    # -- reads and choices ---------------------------------------------------------------------
    def list_generations(self, me: Identity, limit: int = 50) -> list[LogView]:
        return self.logs.for_user(me.username, limit=limit)

    def get(self, me: Identity, log_id: str) -> LogView:
        return self._own(me, log_id)

    def latest(self, me: Identity) -> LastResult | None:
        """My newest successful generation and which of its images is my profile avatar (if one
        is): what the prompt pane shows again after a restart, so a portrait can still be chosen."""
        logs = self.logs.for_user(me.username, statuses=("success",), limit=1)
        if not logs:
            return None
        profile = self.profiles.me(me)
        avatar = profile.avatar_url if profile is not None else None
        refs = logs[0].image_urls
        return LastResult(logs[0], refs.index(avatar) if avatar in refs else None)

    def quota(self, me: Identity) -> Quota:
        return self.logs.quota(me.username, self.policy.limit, self.policy.window)

    def choose_avatar(self, me: Identity, log_id: str, index: int = 0) -> ProfileView:
        """Make image ``index`` (0-based, among the kept ones) of a generation my profile avatar."""
        log = self._own(me, log_id)
        if log.status != "success":
            raise InvalidInputError(f"generation {log_id} is {log.status}; only a successful one has images")
        if not 0 <= index < len(log.image_urls):
            count = len(log.image_urls)
            raise InvalidInputError(f"generation {log_id} kept {count} images; pick 0-{count - 1}")
        self.profiles.ensure(me)
        return self.profiles.set_my_avatar(me, log.image_urls[index])

    def _own(self, me: Identity, log_id: str) -> LogView:
        log = self.logs.get(log_id)
        if log.cartridge_username != me.username:
            raise NotFoundError(f"no generation {log_id}")
        return log

    # -- presets -------------------------------------------------------------------------------
    def styles(self) -> list[StylePreset]:
        return self.presets.all()

    def save_style(self, name: str, words: str) -> StylePreset:
        """Add or replace a user-defined style in ``styles.json`` (written atomically)."""
        if self.styles_path is None:
            raise InvalidInputError("no config folder for user styles")
        name = validate_style_name(name)
        current = {p.name: p.words for p in self.presets.all() if not p.builtin}
        current[name] = words
        catalog = PresetCatalog(current)  # validates before anything is written
        write_atomic(self.styles_path, dump_user_presets(current))
        self.presets = catalog
        return catalog.get(name)
