"""Small portraits of the default prebuilts for the pickers (the wardrobe's Add ▸ From a
prebuilt… and onboarding's create step). Qt-free; call it on a worker.

A prebuilt has no file until it is added, so its portrait is made by building the avatar (about a
second) and rendering it headless, like an added avatar's thumbnail. Each is made once and kept in
the cache folder, named by what the prebuilt is made of: a change to its parameters (or to the
portrait size) makes a new one rather than showing a stale picture.

An item an artist published (``published`` given, e.g. ``studio.avatars.prebuilt_thumbnail``)
has a webp portrait of its own: that is used instead of rendering, fetched once from the server
and kept in the local blob folder (docs/prebuilts.md).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from studio.domain.errors import CancelledError, NotFoundError, StudioError
from studio.fsutil import write_atomic

PREVIEW_SIZE = 128
#: bump when the way portraits are drawn changes: every cached portrait is made again
_VERSION = 1


def preview_path(prebuilt_id: str, cache_dir: Path, size: int = PREVIEW_SIZE) -> Path:
    """Where ``prebuilt_id``'s portrait is kept (a NotFoundError for an unknown prebuilt)."""
    from studio.procedural.collection import PREBUILTS

    if prebuilt_id not in PREBUILTS:
        raise NotFoundError(f"no prebuilt {prebuilt_id!r} (there are: {', '.join(PREBUILTS)})")
    made_of = json.dumps({"params": PREBUILTS[prebuilt_id], "size": size, "v": _VERSION}, sort_keys=True)
    digest = hashlib.blake2b(made_of.encode(), digest_size=10).hexdigest()
    return Path(cache_dir) / "prebuilt-previews" / f"{prebuilt_id}-{digest}.webp"


def prebuilt_preview(
    prebuilt_id: str,
    cache_dir: Path,
    *,
    size: int = PREVIEW_SIZE,
    cancelled: Callable[[], bool] | None = None,
    published: Callable[[str], bytes | None] | None = None,
) -> bytes | None:
    """WebP bytes of ``prebuilt_id``'s portrait: a published item's own (``published(id)``), else
    from the cache or made now (seconds); None where this machine cannot render one, or for a
    published item whose portrait cannot be fetched now (the picker then shows the name alone)."""
    from studio.procedural.collection import PREBUILTS

    if published is not None:
        own = published(prebuilt_id)
        if own is not None or prebuilt_id not in PREBUILTS:
            return own
    path = preview_path(prebuilt_id, cache_dir, size)
    if path.is_file():
        return path.read_bytes()
    from studio.domain.supermesh import parse_supermesh
    from studio.gltf.io import read_glb
    from studio.services.make_avatar import avatar_bytes
    from studio.services.thumbnail import thumbnail_webp

    data = avatar_bytes(parse_supermesh(PREBUILTS[prebuilt_id]), "glb", name=prebuilt_id)
    if cancelled is not None and cancelled():
        raise CancelledError("cancelled")
    try:
        webp = thumbnail_webp(read_glb(data), size)
    except CancelledError:
        raise
    except StudioError:
        return None
    write_atomic(path, webp)
    return webp
