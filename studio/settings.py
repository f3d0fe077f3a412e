"""User settings: where things live and which servers to talk to.

Settings come from ``config.json`` in the user config dir (platformdirs), overridden by
environment variables ``STUDIO_<FIELD>`` (upper case). ``STUDIO_HOME`` moves every directory
under one folder (tests, portable installs). Secrets (Fal key, S3 secret key, database password)
never live here: they come from the environment or the OS keyring (see ``studio.secrets``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs
from pydantic import BaseModel, ConfigDict, Field

from studio.domain.errors import InvalidInputError

APP_NAME = "avatar-studio"
MB = 1024 * 1024


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", validate_assignment=True)

    # Directories. Empty means "the platform default" (resolved by `resolved()`).
    data_dir: Path = Path()
    config_dir: Path = Path()
    cache_dir: Path = Path()

    # Identity (seed 000: Cartridge username primary, Starknet address).
    username: str = ""
    address: str = ""

    # Local store (embedded default) and remote servers (optional).
    database_url: str = ""  # empty: sqlite in data_dir
    remote_database_url: str = ""  # PostgreSQL, for sync; password from keyring/env
    s3_endpoint_url: str = ""
    s3_bucket: str = ""
    s3_region: str = "us-east-1"
    s3_access_key_id: str = ""  # the secret key is never stored here
    s3_public_prefix: str = "prebuilts/"
    presign_expiry_seconds: int = Field(default=900, ge=1, le=3600)

    # Fal (key from FAL_KEY or the keyring; proxy for teams keeping the key on a server).
    fal_proxy_url: str = ""
    fal_model: str = "fal-ai/flux-2/lora"
    fal_lora_url: str = ""  # empty: seed 000's LoRA; "none": no LoRA (see docs/generation.md)

    # Limits from the seeds, configurable.
    max_glb_bytes: int = 50 * MB
    max_vrm_bytes: int = 100 * MB
    max_image_bytes: int = 5 * MB
    max_generations_per_window: int = 1
    generation_window_hours: int = 24

    def resolved(self) -> Settings:
        """Fill empty directories with the platform defaults (or ``STUDIO_HOME``)."""
        home = os.environ.get("STUDIO_HOME")
        updates: dict[str, Path] = {}
        for name, kind in (("data_dir", "data"), ("config_dir", "config"), ("cache_dir", "cache")):
            if getattr(self, name) == Path():
                updates[name] = _default_dir(kind, home)
        return self.model_copy(update=updates)

    @property
    def local_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'studio.sqlite3'}"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def _default_dir(kind: str, home: str | None) -> Path:
    if home:
        return Path(home) / kind
    getter = {
        "data": platformdirs.user_data_path,
        "config": platformdirs.user_config_path,
        "cache": platformdirs.user_cache_path,
    }[kind]
    return Path(getter(APP_NAME, appauthor=False))


def config_path() -> Path:
    return Settings().resolved().config_dir / "config.json"


def load_settings(path: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read config.json (if any), apply ``STUDIO_*`` overrides and resolve directories."""
    environ = dict(os.environ) if environ is None else environ
    path = path or config_path()
    data: dict[str, object] = {}
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInputError(f"settings file {path} is not valid JSON: {exc}") from exc
    for name in Settings.model_fields:
        value = environ.get(f"STUDIO_{name.upper()}")
        if value is not None:
            data[name] = value
    if "AVATAR_MAX_GENERATIONS_PER_WEEK" in environ and "STUDIO_MAX_GENERATIONS_PER_WINDOW" not in environ:
        # Seed 000's variable: a count per week.
        data["max_generations_per_window"] = environ["AVATAR_MAX_GENERATIONS_PER_WEEK"]
        data["generation_window_hours"] = 24 * 7
    try:
        return Settings.model_validate(data).resolved()
    except ValueError as exc:
        raise InvalidInputError(f"invalid setting: {exc}") from exc


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write config.json atomically (temp file + rename). Secrets are not fields, so never written."""
    path = path or settings.config_dir / "config.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(settings.model_dump_json(indent=2), encoding="utf-8")
    os.replace(tmp, path)
    return path
