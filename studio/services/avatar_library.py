"""Adding avatars to the wardrobe: from a file, from a default prebuilt, or a new supermesh.
When the player has no active avatar, the one added becomes active.

This is the use case behind the wardrobe's Add menu and the onboarding's create step
(:class:`studio.ui.ports.AvatarLibrary`); ``studio wardrobe add FILE`` goes through the same
:meth:`studio.services.wardrobe.WardrobeService.import_avatar`, so a file is validated and stored
in the blob store the same way whichever front door it came in by.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.domain.errors import NotFoundError
from studio.domain.identity import Identity
from studio.domain.metadata import ITEM_SLOTS
from studio.services.published_prebuilts import PublishedCatalogue, PublishedItem, RemoteStore
from studio.services.wardrobe import WardrobeEntryView, WardrobeService

Progress = Callable[[float | None, str], None]
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class PrebuiltInfo:
    id: str
    #: the supermesh parameters it is built from (seed 004 spelling); {} for a published item
    params: dict[str, Any]
    #: what the picker shows (the id for a built-in)
    name: str = ""
    #: published by an artist (its files come from the server when added)
    published: bool = False
    #: content key of its webp portrait (published items), see :meth:`AvatarLibrary.prebuilt_thumbnail`
    thumbnail: str | None = None


class AvatarLibrary:
    """``remote`` gives the store published files are fetched from (S3; None when no server is
    set); the local blob folder is the wardrobe's."""

    def __init__(self, wardrobe: WardrobeService, remote: RemoteStore | None = None) -> None:
        self.wardrobe = wardrobe
        self.catalogue = PublishedCatalogue(wardrobe.engine, wardrobe.blob_store, remote)

    def _first(self, me: Identity) -> bool:
        """A player's first avatar (none active yet) becomes the active one: game worlds load
        ``users.avatar_url``, which should not stay empty once there is an avatar to show."""
        return not any(entry.is_active for entry in self.wardrobe.list(me))

    def prebuilts(self) -> list[PrebuiltInfo]:
        """The default prebuilt collection (``default-fem-01``..., built on demand), then the
        avatars artists published (mirrored by sync, sorted by name). A published item with a
        built-in's id takes its place (its name and portrait; added from its file)."""
        from studio.procedural.collection import PREBUILTS

        published = {item.id: item for item in self.catalogue.items("avatar")}
        out = []
        for pid, params in PREBUILTS.items():
            item = published.pop(pid, None)
            out.append(_info(item, dict(params)) if item else PrebuiltInfo(pid, dict(params), pid))
        return out + [_info(item, {}) for item in published.values()]

    def prebuilt_thumbnail(self, prebuilt_id: str) -> bytes | None:
        """WebP portrait of a published item (local copy, else fetched once and kept); None for
        a built-in, an item without one, or when it cannot be fetched now (offline)."""
        from studio.domain.errors import StudioError

        item = self.catalogue.get(prebuilt_id)
        if item is None or "webp" not in item.keys:
            return None
        try:
            return self.catalogue.file(item, "webp")
        except StudioError:
            return None

    def add_file(
        self,
        me: Identity,
        path: str | os.PathLike[str],
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> WardrobeEntryView:
        """Validate and store a .vrm/.glb, add it to ``me``'s wardrobe (named after the file)."""
        return self.wardrobe.import_avatar(
            me, Path(path), activate=self._first(me), progress=progress, cancelled=cancelled
        )

    def add_prebuilt(self, me: Identity, prebuilt_id: str) -> WardrobeEntryView:
        """A copy of a prebuilt in ``me``'s wardrobe, ready to edit: a default one is built (VRM
        1.0); a published one's file is fetched (OfflineError when it is not on this computer
        and the server cannot be reached: nothing is added)."""
        from studio.domain.supermesh import parse_supermesh
        from studio.procedural.collection import PREBUILTS
        from studio.services.make_avatar import avatar_bytes

        item = self.catalogue.get(prebuilt_id)
        if item is not None and (item.kind == "avatar" or prebuilt_id not in PREBUILTS):
            return self._add_published(me, item)
        if prebuilt_id not in PREBUILTS:
            raise NotFoundError(f"no prebuilt {prebuilt_id!r} (there are: {', '.join(PREBUILTS)})")
        params = PREBUILTS[prebuilt_id]
        data = avatar_bytes(parse_supermesh(params), "vrm1", name=prebuilt_id)
        # seed 004's VRM example: the prebuilt it came from and what it wears (the Outfit tab ticks these)
        worn: dict[str, Any] = {k: params[k] for k in ITEM_SLOTS if k in params}
        return self.wardrobe.import_avatar(
            me, data, name=prebuilt_id, avatar_type="vrm", metadata={"base": prebuilt_id, **worn},
            file_name=f"{prebuilt_id}.vrm", activate=self._first(me),
        )  # fmt: skip

    def _add_published(self, me: Identity, item: PublishedItem) -> WardrobeEntryView:
        """An artist's published avatar: its source VRM (else its GLB), validated on import."""
        from studio.domain.errors import InvalidInputError

        if item.kind != "avatar":
            raise InvalidInputError(f"{item.name!r} is a {item.kind} item, not an avatar")
        kind = "vrm" if "vrm" in item.keys else "glb"
        data = self.catalogue.file(item, kind)  # nothing is written before the bytes are here
        return self.wardrobe.import_avatar(
            me, data, name=item.name, avatar_type="vrm", metadata={"base": item.id, **item.worn},
            file_name=f"{item.id}.{kind}", activate=self._first(me),
        )  # fmt: skip

    def new_supermesh(
        self,
        me: Identity,
        params: dict[str, Any],
        *,
        progress: Progress | None = None,
        cancelled: Cancelled | None = None,
    ) -> WardrobeEntryView:
        """A new procedural avatar from supermesh parameters (refused naming a bad key or an item
        the built-in library does not have). Without a ``clothing`` key the avatar starts in the
        starter outfit (t-shirt, jeans, sneakers: items every player is granted), an explicit
        ``[]`` leaves it bare. The clothes are cut for the avatar's own body and baked into the
        file; the metadata lists them, so the Outfit tab shows them worn and can take them off."""
        from studio.domain.supermesh import parse_supermesh
        from studio.procedural.collection import STARTER_OUTFIT
        from studio.services.make_avatar import avatar_bytes, check_items

        report = progress or (lambda _f, _m: None)
        metadata = {**params, "clothing": list(params.get("clothing", STARTER_OUTFIT))}
        parsed = parse_supermesh(metadata)
        check_items(parsed)
        report(0.05, "Building the avatar…")
        name = parsed.name or f"New {parsed.base}"
        data = avatar_bytes(parsed, "vrm1", name=name)
        return self.wardrobe.import_avatar(
            me, data, name=name, avatar_type="supermesh", metadata=metadata,
            file_name="supermesh.vrm", activate=self._first(me), progress=progress, cancelled=cancelled,
        )  # fmt: skip


def _info(item: PublishedItem, params: dict[str, Any]) -> PrebuiltInfo:
    return PrebuiltInfo(item.id, params, item.name, True, item.keys.get("webp"))
