"""Builds the generation service from settings: called by ``studio/app.py`` (the composition root).

Kept here so the root stays a list of one-line properties; nothing else calls it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine

from studio.domain.errors import InvalidInputError
from studio.domain.moderation import BLOCKED_TERMS_FILE, parse_blocked_terms
from studio.domain.presets import STYLES_FILE, PresetCatalog, parse_user_presets
from studio.generation.fal import DEFAULT_QUEUE_URL, FalConfig, FalGenerator
from studio.generation.keeper import BlobImageSink
from studio.generation.ports import (
    SEED_LORA_URL,
    CancelCheck,
    GenerationOutput,
    GenerationRequest,
    Lora,
    ProgressCallback,
)
from studio.secrets import fal_key, require_fal_key
from studio.services.generate import GenerationPolicy, GenerationService
from studio.services.profiles import ProfileService
from studio.settings import Settings
from studio.store.generation_logs import GenerationLogStore

PROXY_PLACEHOLDER_KEY = "proxy-holds-the-key"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read {path}: {exc}") from exc


def fal_config(settings: Settings) -> FalConfig:
    """Fal's queue, or the team proxy (which may add the key itself: then none is needed here)."""
    if settings.fal_proxy_url:
        key = fal_key() or PROXY_PLACEHOLDER_KEY
        return FalConfig(key=key, queue_url=settings.fal_proxy_url, model=settings.fal_model)
    return FalConfig(key=require_fal_key(), queue_url=DEFAULT_QUEUE_URL, model=settings.fal_model)


class LiveFalGenerator:
    """A :class:`FalGenerator` for the settings as they are now: a Fal key stored or a proxy URL
    saved in Settings is used by the next generation, without a restart. A missing key fails on
    first use (building it), before a generation slot is taken."""

    def __init__(self, current: Callable[[], Settings]) -> None:
        self._current = current
        self._fal: FalGenerator | None = None
        self._fal_for()

    def _fal_for(self) -> FalGenerator:
        config = fal_config(self._current())
        if self._fal is None or self._fal.config != config:
            self._fal = FalGenerator(config)
        return self._fal

    @property
    def model(self) -> str:
        return self._fal_for().model

    @model.setter
    def model(self, _value: str) -> None:  # the Generator protocol's attribute; settings decide
        raise AttributeError("the Fal model comes from settings")

    def submit(self, request: GenerationRequest) -> str:
        return self._fal_for().submit(request)

    def wait(
        self, request_id: str, on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> GenerationOutput:
        return self._fal_for().wait(request_id, on_progress, should_cancel)

    def cancel(self, request_id: str) -> bool:
        return self._fal_for().cancel(request_id)


def policy(settings: Settings) -> GenerationPolicy:
    lora = settings.fal_lora_url.strip()
    loras = () if lora.lower() == "none" else (Lora(lora or SEED_LORA_URL),)
    return GenerationPolicy(
        limit=settings.max_generations_per_window,
        window=timedelta(hours=settings.generation_window_hours),
        loras=loras,
        max_image_bytes=settings.max_image_bytes,
    )


def build_generation_service(
    settings: Settings, engine: Engine, blob_store: Any, profiles: ProfileService,
    current: Callable[[], Settings] | None = None,
) -> GenerationService:
    """``current``: the settings as they are now (the UI's Settings dialog replaces them); Fal's
    key and proxy URL are read from them on each use. Default: ``settings``, fixed."""
    config_dir = settings.config_dir
    styles_path = config_dir / STYLES_FILE
    styles_text = _read(styles_path)
    presets = PresetCatalog(parse_user_presets(styles_text, str(styles_path)) if styles_text else None)
    return GenerationService(
        logs=GenerationLogStore(engine),
        generator=lambda: LiveFalGenerator(current or (lambda: settings)),
        sink=BlobImageSink(blob_store),
        # Fal's media links are public: this client carries no key.
        http=httpx.Client(timeout=httpx.Timeout(30.0, connect=10.0), follow_redirects=True),
        moderation=parse_blocked_terms(_read(config_dir / BLOCKED_TERMS_FILE)),
        presets=presets,
        profiles=profiles,
        policy=policy(settings),
        styles_path=styles_path,
    )
