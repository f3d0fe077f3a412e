"""The composition root: settings -> adapters -> services. The only place adapters are built.

The CLI and the UI both get a :class:`Studio` from :func:`open_studio` and call its services.
Adapters (SQLAlchemy engine, blob store, Fal client, S3 client) are created lazily, once, so a
command that only inspects a file never opens a database.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from studio.blobs.base import BlobStore
    from studio.blobs.local import LocalBlobStore
    from studio.domain.identity import Identity
    from studio.gltf.limits import Limits
    from studio.services.avatar_library import AvatarLibrary
    from studio.services.gallery import GalleryService
    from studio.services.generate import GenerationService
    from studio.services.inventory import InventoryService
    from studio.services.item_library import BuiltinItems
    from studio.services.prebuilt_collection import PrebuiltCollection
    from studio.services.profiles import ProfileService
    from studio.services.sync import SyncService
    from studio.services.wardrobe import WardrobeService


class Studio:
    """Holds the adapters and services for one process. Build it with :func:`open_studio`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def data_dir(self) -> Path:
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.data_dir

    # -- store (issue 5) ----------------------------------------------------------------------
    @cached_property
    def engine(self) -> Engine:
        """The local store (SQLite in data_dir unless ``database_url`` is set), migrated on first use."""
        from studio.store.engine import make_engine
        from studio.store.migrate import upgrade
        from studio.sync.outbox import track_changes

        engine = make_engine(self.settings.local_database_url)
        upgrade(engine)
        track_changes(engine)  # every local edit of a synced table also lands in the sync outbox
        return engine

    @cached_property
    def profiles(self) -> ProfileService:
        from studio.services.profiles import ProfileService

        return ProfileService(self.engine)

    @cached_property
    def gallery(self) -> GalleryService:
        from studio.services.gallery import GalleryService

        return GalleryService(self.engine)

    @cached_property
    def wardrobe(self) -> WardrobeService:
        from studio.services.wardrobe import WardrobeService

        return WardrobeService(self.engine, self.local_blob_store, self.limits)

    @cached_property
    def inventory(self) -> InventoryService:
        from studio.services.inventory import InventoryService

        return InventoryService(self.engine, self.local_blob_store, self.item_library, self.limits)

    @cached_property
    def avatars(self) -> AvatarLibrary:
        """Add a file, a prebuilt or a new supermesh to the wardrobe (the UI's Add menu)."""
        from studio.services.avatar_library import AvatarLibrary

        def remote() -> BlobStore | None:  # published prebuilt files come from S3 (docs/prebuilts.md)
            return self.blob_store if self.settings.s3_bucket else None

        return AvatarLibrary(self.wardrobe, remote)

    # -- files (size caps, item library) ----------------------------------------------------
    @cached_property
    def limits(self) -> Limits:
        """The reader's and exporter's caps, with the file-size caps from settings."""
        from studio.gltf.limits import Limits

        return Limits(max_glb_bytes=self.settings.max_glb_bytes, max_vrm_bytes=self.settings.max_vrm_bytes)

    @cached_property
    def item_library(self) -> BuiltinItems:
        """The built-in hair/clothing/attachments, generated on first use into the cache dir."""
        from studio.services.item_library import BuiltinItems

        return BuiltinItems(self.settings.cache_dir / "items")

    def identity(self, username: str | None = None, address: str | None = None) -> Identity:
        """"Me": flags win over settings; both a username and an address are required."""
        from studio.domain.errors import InvalidInputError
        from studio.domain.identity import Identity

        user, addr = username or self.settings.username, address or self.settings.address
        if not user or not addr:
            raise InvalidInputError(
                "who are you? set username and address in settings or pass --username and --address"
            )
        return Identity.of(user, addr)

    # -- blobs / sync (issue 6) -------------------------------------------------------------
    @cached_property
    def blob_store(self) -> BlobStore:
        """The remote store for sync and publishing: S3 when ``s3_bucket`` is set (secret from env or
        keyring), else the local folder. Edits never write here directly: they go to
        :attr:`local_blob_store` and sync pushes them (offline-first, docs/sync.md)."""
        from studio.blobs import LocalBlobStore, S3BlobStore

        s = self.settings
        if not s.s3_bucket:
            return LocalBlobStore(s.blob_dir)
        client = make_s3_client(
            s.s3_endpoint_url or None, s.s3_access_key_id or None, s3_secret_key(), s.s3_region
        )
        return S3BlobStore(client, s.s3_bucket, public_prefix=s.s3_public_prefix,
                           presign_expiry=s.presign_expiry_seconds)

    @cached_property
    def local_blob_store(self) -> LocalBlobStore:
        """The local folder of files, always there (sync copies between it and S3)."""
        from studio.blobs import LocalBlobStore

        return LocalBlobStore(self.settings.blob_dir)

    @cached_property
    def sync(self) -> SyncService:
        """Sync with PostgreSQL (``remote_database_url``) and S3 (``s3_bucket``)."""
        from studio.blobs import S3BlobStore
        from studio.services.sync import SyncService
        from studio.sync.outbox import SqliteUploadStates

        def remote() -> tuple[Engine, BlobStore] | None:
            store = self.blob_store
            if self.remote_engine is None or not isinstance(store, S3BlobStore):
                return None
            store.upload_states = SqliteUploadStates(self.engine)  # multipart uploads resume
            return self.remote_engine, store

        return SyncService(self.engine, self.local_blob_store, remote, lambda: self.identity().username)

    @cached_property
    def remote_engine(self) -> Engine | None:
        """The shared PostgreSQL server when ``remote_database_url`` is set, else None. Not migrated
        here (the server's schema is upgraded with ``studio db``); the password comes from the
        environment (``PGPASSWORD``, read by libpq), never from settings."""
        from studio.store.engine import make_engine

        url = self.settings.remote_database_url
        return make_engine(url) if url else None

    @cached_property
    def prebuilts(self) -> PrebuiltCollection:
        """The artists' collection: builds anywhere, publishes to :attr:`blob_store` and the local
        database plus the server's when one is set (docs/prebuilts.md)."""
        from studio.services.prebuilt_collection import PrebuiltCollection

        def engines() -> list[Engine]:
            return [self.engine] + ([self.remote_engine] if self.remote_engine is not None else [])

        return PrebuiltCollection(self.blob_store, engines)

    # -- generation (issue 7) -----------------------------------------------------------------
    @cached_property
    def generation(self) -> GenerationService:
        """Portraits with Fal. The Fal client is built on first submit: listing needs no key."""
        from studio.generation.wiring import build_generation_service

        return build_generation_service(  # Fal's key and proxy URL as set now (Settings dialog)
            self.settings, self.engine, self.local_blob_store, self.profiles, lambda: self.settings
        )

    # -- desktop UI (issue 8) -----------------------------------------------------------------
    def read_blob(self, ref: str) -> bytes:
        """Bytes of a stored blob (a kept portrait, an avatar file, a thumbnail) by its key; the UI
        never holds the blob store itself. Offline-first: the local folder is the working copy."""
        return self.local_blob_store.get(ref)



def s3_secret_key() -> str | None:
    """``AWS_SECRET_ACCESS_KEY``, else the OS keyring entry ``avatar-studio/s3-secret-key``."""
    import os

    import keyring
    import keyring.errors

    from studio.secrets import KEYRING_SERVICE, register_secret

    secret = os.environ.get("AWS_SECRET_ACCESS_KEY") or None
    if secret is None:
        try:
            secret = keyring.get_password(KEYRING_SERVICE, "s3-secret-key")
        except keyring.errors.KeyringError:
            secret = None
    if secret:
        register_secret(secret)
    return secret


def make_s3_client(
    endpoint_url: str | None, access_key: str | None, secret_key: str | None, region: str, **config: object
) -> Any:
    """A boto3 S3 client: signature v4 (so presigned URLs carry X-Amz-Expires), botocore retries
    off (``studio.blobs.retry`` owns retries), a connection pool sized for parallel uploads."""
    import boto3
    from botocore.config import Config

    options: dict[str, object] = {
        "signature_version": "s3v4", "retries": {"max_attempts": 1, "mode": "standard"},
        "max_pool_connections": 32, "connect_timeout": 10, "read_timeout": 60,
        "s3": {"addressing_style": "path"} if endpoint_url else {},
    }
    options.update(config)
    return boto3.client(
        "s3", endpoint_url=endpoint_url, aws_access_key_id=access_key, aws_secret_access_key=secret_key,
        region_name=region, config=Config(**options),
    )


def open_studio(settings: Settings | None = None) -> Studio:
    return Studio(settings or load_settings())
