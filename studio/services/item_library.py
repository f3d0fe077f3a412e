"""The built-in item library: hair, clothing and attachments the studio can make on demand.

Its ids are :data:`studio.procedural.collection.ITEMS` (what ``make-prebuilts`` writes) plus every
item a default prebuilt wears, so a prebuilt's own outfit can always be re-equipped. The seed 004
examples' items are all in it. :class:`BuiltinItems` is the item source ``studio export`` and the
editor use when no ``--items DIR`` is given: an item is generated the first time it is asked for
into ``<cache_dir>/items/<code fingerprint>/<slot>/<id>.glb`` and reused afterwards; the
fingerprint of the procedural code keeps a cache from an older studio from being used.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from studio.domain.errors import InvalidInputError, NotFoundError
from studio.domain.metadata import ITEM_SLOTS
from studio.fsutil import write_atomic

if TYPE_CHECKING:
    from studio.procedural.model import AvatarModel

#: item slots in metadata and folders in the library (seed 004's bucket layout)
#: inventory ``item_type`` -> library folder
TYPE_FOLDERS = {"hair": "hair", "clothing": "clothing", "attachment": "attachments"}


@cache
def builtin_item_ids() -> dict[str, tuple[str, ...]]:
    """slot -> the ids of the built-in library, in a stable order."""
    from studio.procedural.collection import ITEMS, PREBUILTS

    out = {slot: list(ITEMS.get(slot, ())) for slot in ITEM_SLOTS}
    for params in PREBUILTS.values():
        worn = {"hair": [params["hair"]] if params.get("hair") else []}
        worn |= {slot: list(params.get(slot, ())) for slot in ("clothing", "attachments")}
        for slot, ids in worn.items():
            out[slot] += [i for i in ids if i not in out[slot]]
    return {slot: tuple(ids) for slot, ids in out.items()}


def slot_of(item_id: str) -> str | None:
    """The library folder holding ``item_id``, or None when it is not a built-in item."""
    return next((slot for slot, ids in builtin_item_ids().items() if item_id in ids), None)


def check_builtin(slot: str, item_id: str) -> None:
    """Refuse (naming the item and the known ones) an id the built-in library does not have."""
    if item_id in builtin_item_ids().get(slot, ()):
        return
    elsewhere = slot_of(item_id)
    if elsewhere is not None:
        raise InvalidInputError(f"{slot}: {item_id!r} is a {elsewhere} item, not {slot}")
    known = ", ".join(builtin_item_ids().get(slot, ())) or "none"
    raise NotFoundError(f"{slot}: no built-in item {item_id!r} (the library has: {known})")


def item_glb(item_id: str, base: str | None = None) -> bytes:
    """The GLB of a built-in item, exactly as ``make-prebuilts`` writes it (fitted to its own
    base), or fitted to ``base``'s body."""
    from studio.procedural.writer import write_glb

    return write_glb(item_model(item_id, base))


def item_model(item_id: str, base: str | None = None) -> AvatarModel:
    from studio.domain.supermesh import parse_supermesh
    from studio.procedural.collection import item_base
    from studio.procedural.humanoid import build_item_model
    from studio.procedural.spec import AvatarSpec

    params = parse_supermesh({"base": base or item_base(item_id)})
    return build_item_model(item_id, AvatarSpec(params, item_id))


@cache
def code_fingerprint() -> str:
    """12 hex digits of SHA-256 over the procedural generator's source: cached items are only
    reused by the code that made them."""
    import studio.procedural as procedural

    digest = hashlib.sha256()
    for path in sorted(Path(procedural.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class BuiltinItems:
    """An item source (``(slot, item id) -> GLB path``) over the built-in library, generated on
    first use under ``root`` and reused. Unknown ids are refused by name."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    @property
    def folder(self) -> Path:
        return self.root / code_fingerprint()

    def __call__(self, slot: str, item: str) -> Path:
        check_builtin(slot, item)
        path = self.folder / slot / f"{item}.glb"
        if not path.is_file():
            write_atomic(path, item_glb(item))
        return path

    def fitted(self, slot: str, item: str, base: str) -> Path:
        """The item cut for ``base``'s body (a t-shirt made for the feminine base sits inside the
        masculine one's chest): what the editor equips on a procedural avatar of that base."""
        from studio.procedural.collection import item_base

        if base == item_base(item):
            return self(slot, item)
        check_builtin(slot, item)
        path = self.folder / slot / base / f"{item}.glb"
        if not path.is_file():
            write_atomic(path, item_glb(item, base))
        return path
