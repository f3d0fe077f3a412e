"""The pure part of sync: given base, local and remote versions of a row, decide what to write.

No I/O here. ``resolve`` is the conflict rulebook (docs/sync.md, "Conflicts"):

- nobody else changed the row since our base: our version (or our delete) goes up;
- both changed it: three-way merge, column by column, JSON columns key by key; a column both sides
  changed to different values is a conflict unless the spec marks it last-writer-wins;
- a conflict keeps both: the server row stays as the other device left it and ours is inserted as
  a copy named ``"<name> (conflict from <device>)"``;
- a delete always stays deleted; an edit the deleting device never saw survives as a copy.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from studio.sync.entities import EntitySpec, Row, is_deleted

COPY_NAMESPACE = uuid.UUID("5d0b0c3e-4f8e-4a55-9d39-1f0b7f1a6c21")


class MergeConflict(Exception):
    def __init__(self, fields: list[str]) -> None:
        super().__init__(", ".join(fields))
        self.fields = fields


@dataclass(frozen=True)
class Resolution:
    """What to write on the server for one pushed row.

    ``action``: ``noop`` | ``insert`` | ``update`` | ``delete``; ``row`` holds the values to write
    for the original key; ``copy`` a conflict copy to insert under a new key.
    """

    action: str
    row: Row | None = None
    copy: Row | None = None
    copy_from: str | None = None  # "local" | "remote"
    conflicts: tuple[str, ...] = field(default_factory=tuple)


def content(spec: EntitySpec, row: Row | None) -> Row:
    """The columns a user edits (what merges compare)."""
    if row is None:
        return {}
    skip = spec.managed | ({spec.tombstone} if spec.tombstone else set())
    return {k: v for k, v in row.items() if k not in skip}


def merge_values(base: Any, local: Any, remote: Any, path: str, json_merge: bool, out: list[str]) -> Any:
    """Three-way merge of one value; records conflicting paths in ``out``."""
    if local == remote:
        return local
    if local == base:
        return remote
    if remote == base:
        return local
    if json_merge and isinstance(local, dict) and isinstance(remote, dict):
        base_d = base if isinstance(base, dict) else {}
        merged: dict[str, Any] = {}
        for key in sorted(set(base_d) | set(local) | set(remote)):
            missing = object()
            value = merge_values(
                base_d.get(key, missing),
                local.get(key, missing),
                remote.get(key, missing),
                f"{path}.{key}",
                True,
                out,
            )
            if value is not missing:
                merged[key] = value
        return merged
    out.append(path)
    return local


def merge_rows(spec: EntitySpec, base: Row | None, local: Row, remote: Row) -> Row:
    """Three-way merge of user-edited columns onto ``remote``; raises :class:`MergeConflict`."""
    b, l_, r = content(spec, base), content(spec, local), content(spec, remote)
    merged = dict(remote)
    conflicts: list[str] = []
    for col in sorted(set(l_) | set(r)):
        if col in spec.lww and l_.get(col) != b.get(col):
            merged[col] = l_.get(col)
            continue
        merged[col] = merge_values(
            b.get(col), l_.get(col), r.get(col), col, col in spec.merge_json, conflicts
        )
    if conflicts:
        raise MergeConflict(conflicts)
    return merged


def copy_key(op_id: str) -> str:
    """Conflict copies get a key derived from the push, so a retried push makes the same copy."""
    return str(uuid.uuid5(COPY_NAMESPACE, op_id))


def conflict_label(name: str, device: str, limit: int) -> str:
    suffix = f" (conflict from {device})"
    return (name[: max(1, limit - len(suffix))] + suffix)[:limit]


def make_copy(spec: EntitySpec, source: Row, device: str, new_key: str) -> Row:
    row = dict(source)
    row[spec.key] = new_key
    row["version"] = 1
    if spec.tombstone:
        row[spec.tombstone] = None
    if "is_active" in row:
        row["is_active"] = False
    if spec.label and row.get(spec.label) is not None:
        row[spec.label] = conflict_label(str(row[spec.label]), device, spec.label_max)
    return row


def changed(spec: EntitySpec, base: Row | None, row: Row | None) -> bool:
    """Did ``row`` change anything worth a conflict copy since ``base``? Last-writer-wins columns
    (activation, say, which another device may flip as a side effect) do not count."""

    def edits(r: Row | None) -> Row:
        return {k: v for k, v in content(spec, r).items() if k not in spec.lww}

    return edits(base) != edits(row)


def resolve(
    spec: EntitySpec,
    base: Row | None,
    local: Row | None,
    remote: Row | None,
    *,
    device: str,
    remote_device: str | None,
    op_id: str,
) -> Resolution:
    """Decide the server write for a pushed row. ``local`` None means deleted (hard delete)."""
    local_gone, remote_gone = is_deleted(spec, local), is_deleted(spec, remote)
    new_key = copy_key(op_id)
    if remote is None and base is None:
        return Resolution("noop") if local_gone else Resolution("insert", row=local)
    if remote_gone:
        if local_gone or not changed(spec, base, local):
            return Resolution("noop")
        assert local is not None
        return Resolution("noop", copy=make_copy(spec, local, device, new_key), copy_from="local")
    assert remote is not None
    unchanged_remote = base is not None and remote.get("version") == base.get("version")
    if local_gone:
        if unchanged_remote or not changed(spec, base, remote):
            return Resolution("delete")
        other = remote_device or "another device"
        return Resolution("delete", copy=make_copy(spec, remote, other, new_key), copy_from="remote")
    assert local is not None
    if unchanged_remote:
        return Resolution("update", row={**remote, **content(spec, local)})
    try:
        return Resolution("update", row=merge_rows(spec, base, local, remote))
    except MergeConflict as exc:
        return Resolution(
            "noop",
            copy=make_copy(spec, local, device, new_key),
            copy_from="local",
            conflicts=tuple(exc.fields),
        )


def rebase(pushed: Row | None, current: Row | None, server: Row | None) -> Row | None:
    """The local row after an acknowledged push when the user edited it meanwhile: a three-way
    merge with the pushed row as base, so the server's changes and the new edits both stay (JSON
    objects key by key); where both touched the same value, the user's newest edit wins."""
    if current is None or server is None:
        return current
    out: list[str] = []
    base = pushed or {}
    return {k: merge_values(base.get(k), v, server.get(k), k, True, out) for k, v in current.items()}


_MISSING = object()


def _edited_against(pushed: Any, current: Any, server: Any) -> Any:
    """The base of one value after a rebase: the server's, except where the user's edit during
    the push and the server's value both moved away from the pushed value to different values
    (JSON objects key by key); there it is the pushed value, what the user edited against."""
    if current in (server, pushed) or server == pushed:
        return server
    if isinstance(current, dict) and isinstance(server, dict):
        base = pushed if isinstance(pushed, dict) else {}
        out: dict[str, Any] = {}
        for key in sorted(set(base) | set(current) | set(server)):
            value = _edited_against(
                base.get(key, _MISSING), current.get(key, _MISSING), server.get(key, _MISSING)
            )
            if value is not _MISSING:
                out[key] = value
        return out
    return pushed


def rebase_shadow(
    spec: EntitySpec, pushed: Row | None, current: Row | None, server: Row | None
) -> Row | None:
    """The shadow to keep next to a rebased row (:func:`rebase`): usually the server's row. Where the
    server did not take our pushed value (another device's edit won and ours went to a conflict
    copy) and the user edited that same value during the push, the user never saw the server's
    value: the shadow keeps the pushed value there and no version (it is no server version), so
    the next push merges three ways and keeps both instead of silently overwriting the other
    device's edit (fuzz seed 6605). A delete during the push was made against the pushed row as a
    whole: every value the server's answer brought in (another device's edits merged with ours)
    is one the user never saw, so the shadow keeps the pushed values and the delete's push keeps
    those edits as a copy (fuzz seed 862, found once the prebuilt mirror shifted the faults)."""
    if pushed is None or current is None or server is None:
        return server
    shadow = dict(server)
    deleted_meanwhile = is_deleted(spec, current) and not is_deleted(spec, pushed)
    for col in content(spec, server):
        if col in spec.lww:
            continue
        if deleted_meanwhile:
            value = pushed.get(col, _MISSING)
        else:
            value = _edited_against(pushed.get(col, _MISSING), current.get(col, _MISSING), server[col])
        shadow[col] = None if value is _MISSING else value
    return server if shadow == server else {**shadow, "version": None}
