"""Mirror the server's published catalogue (the ``prebuilts`` rows) into the local store.

The catalogue is public and written only by artists (``studio prebuilts publish``), so there is
nothing to merge: the server wins. Each sync reads every server row (the catalogue is small:
tens of rows of a few hundred bytes), writes the ones that differ and removes the ones that were
mirrored before and are gone from the server now (unpublished), in one local transaction. Rows
the device published itself without ever reaching the server (an artist working offline) are
left alone: only ids the mirror saw on the server (``sync_state`` ``prebuilts_mirrored``) are
ever removed. Only rows travel: the files (which can be large) are fetched when a player adds an
item or the picker shows its portrait (:mod:`studio.services.avatar_library`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Table, delete, insert, select

from studio.store.models import Prebuilt
from studio.sync import local as lo
from studio.sync.entities import Row, from_json_row, table_of, to_json_row

if TYPE_CHECKING:
    from studio.sync.engine import SyncEngine

PREBUILTS: Table = table_of(Prebuilt)
#: sync_state entry: JSON list of the ids the last mirror saw on the server
MIRRORED = "prebuilts_mirrored"


@dataclass(frozen=True)
class MirrorResult:
    written: int  # rows new or changed on this device
    removed: int  # rows unpublished on the server, removed here


def read_catalogue(conn: Connection) -> dict[str, Row]:
    """Every ``prebuilts`` row, as JSON rows keyed by id (either side)."""
    return {str(r["id"]): to_json_row(PREBUILTS, r) for r in conn.execute(select(PREBUILTS)).mappings()}


def mirror_prebuilts(engine: SyncEngine) -> MirrorResult:
    """Make the local ``prebuilts`` table hold what the server publishes (see the module doc)."""
    with engine.remote_db.connect() as pg:
        server = read_catalogue(pg)
    with engine.local_tx() as conn:
        result = apply_catalogue(conn, server)
    return result


def apply_catalogue(conn: Connection, server: dict[str, Row]) -> MirrorResult:
    """Write ``server``'s rows where they differ, remove earlier-mirrored ids it no longer has."""
    here = read_catalogue(conn)
    seen = set(json.loads(lo.get_state(conn, MIRRORED, "[]") or "[]"))
    written = removed = 0
    for prebuilt_id, row in server.items():
        if here.get(prebuilt_id) == row:
            continue
        conn.execute(delete(PREBUILTS).where(PREBUILTS.c.id == prebuilt_id))
        conn.execute(insert(PREBUILTS).values(**from_json_row(PREBUILTS, row)))
        written += 1
    for prebuilt_id in sorted((seen & set(here)) - set(server)):
        conn.execute(delete(PREBUILTS).where(PREBUILTS.c.id == prebuilt_id))
        removed += 1
    lo.set_state(conn, MIRRORED, json.dumps(sorted(server)))
    return MirrorResult(written, removed)
