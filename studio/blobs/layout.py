"""Object keys: seed 004's S3 layout plus the content-addressed object area.

Layout paths (what game worlds and people see) are copies of immutable content-addressed objects
(``objects/sha256/ab/cdef...``) that rows point at; see ``docs/sync.md``.

```
avatars/{userId}/{avatarId}.glb|.vrm|.webp   wardrobe entry: runtime GLB, source VRM, thumbnail
thumbnails/{name}.webp                       prebuilt and Phase 1 thumbnails
prebuilts/{name}.glb                         curated prebuilts (the public prefix)
hair/{name}.glb, clothing/{name}.glb         shared item libraries
modifications/{userId}/{avatarId}-mods.json  saved material overrides and bone transforms
generations/{username}/{generationId}-{n}.png  kept Fal images
objects/sha256/{ab}/{cdef...}                immutable content, written once
```
"""

from __future__ import annotations

import re

from studio.domain.errors import InvalidInputError

OBJECTS_PREFIX = "objects/sha256/"
LAYOUT_PREFIX = "avatars/"
PUBLIC_PREFIX = "prebuilts/"
AVATAR_KINDS = {"glb": "model/gltf-binary", "vrm": "model/gltf-binary", "webp": "image/webp"}
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def segment(value: str, what: str) -> str:
    """One path segment (an id or a name): letters, digits, '.', '_', '-'; no traversal."""
    text = str(value)
    if not _SEGMENT.match(text) or ".." in text:
        raise InvalidInputError(f"{what} {text!r} cannot be used in a storage path")
    return text


def object_key(sha256: str) -> str:
    """The content-addressed key for a SHA-256 hex digest."""
    digest = sha256.lower()
    if not _SHA256.match(digest):
        raise InvalidInputError(f"{sha256!r} is not a SHA-256 hex digest")
    return f"{OBJECTS_PREFIX}{digest[:2]}/{digest[2:]}"


def sha256_of_object_key(key: str) -> str | None:
    """The digest a content-addressed key names, or None for any other key."""
    if not key.startswith(OBJECTS_PREFIX):
        return None
    rest = key[len(OBJECTS_PREFIX) :].split("/")
    if len(rest) != 2 or len(rest[0]) != 2:
        return None
    digest = rest[0] + rest[1]
    return digest if _SHA256.match(digest) else None


def avatar_key(user_id: str, avatar_id: str, kind: str) -> str:
    """A wardrobe entry's layout path. ``user_id`` is the player's ``users.id`` (the server's,
    once settled), never the username: the one function every writer of layout paths uses
    (sync publishing and GC repair; imports store content keys only). See docs/sync.md, "Keys"."""
    if kind not in AVATAR_KINDS:
        raise InvalidInputError(f"avatar file kind {kind!r} is not one of {sorted(AVATAR_KINDS)}")
    return f"{LAYOUT_PREFIX}{segment(user_id, 'user id')}/{segment(avatar_id, 'avatar id')}.{kind}"


def modifications_key(user_id: str, avatar_id: str) -> str:
    return f"modifications/{segment(user_id, 'user id')}/{segment(avatar_id, 'avatar id')}-mods.json"


def thumbnail_key(name: str) -> str:
    return f"thumbnails/{segment(name, 'thumbnail name')}.webp"


def prebuilt_key(name: str, kind: str = "glb") -> str:
    return f"{PUBLIC_PREFIX}{segment(name, 'prebuilt name')}.{segment(kind, 'file kind')}"


def hair_key(name: str) -> str:
    return f"hair/{segment(name, 'hair name')}.glb"


def clothing_key(name: str) -> str:
    return f"clothing/{segment(name, 'clothing name')}.glb"


def generation_key(username: str, generation_id: str, index: int, ext: str = "png") -> str:
    return (
        f"generations/{segment(username, 'username')}/"
        f"{segment(generation_id, 'generation id')}-{int(index)}.{segment(ext, 'extension')}"
    )


def is_public(key: str, public_prefix: str = PUBLIC_PREFIX) -> bool:
    """Prebuilts are public (CDN-served); everything else is private (seed 004, Security)."""
    return bool(public_prefix) and key.startswith(public_prefix)


def content_type_for(key: str) -> str:
    ext = key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
    return {
        "glb": "model/gltf-binary",
        "vrm": "model/gltf-binary",
        "webp": "image/webp",
        "png": "image/png",
        "jpg": "image/jpeg",
        "jpeg": "image/jpeg",
        "json": "application/json",
    }.get(ext, "application/octet-stream")
