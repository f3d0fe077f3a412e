"""Binary asset storage behind one small interface: a local folder and S3."""

from studio.blobs.base import (
    BlobIntegrityError,
    BlobNotFoundError,
    BlobPreconditionError,
    BlobRef,
    BlobStore,
    BlobUnavailableError,
)
from studio.blobs.content import publish, put_content
from studio.blobs.local import LocalBlobStore
from studio.blobs.s3 import S3BlobStore

__all__ = [
    "BlobIntegrityError",
    "BlobNotFoundError",
    "BlobPreconditionError",
    "BlobRef",
    "BlobStore",
    "BlobUnavailableError",
    "LocalBlobStore",
    "S3BlobStore",
    "publish",
    "put_content",
]
