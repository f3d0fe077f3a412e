"""Connections that act for one player under PostgreSQL row-level security (see docs/records.md).

The migration creates three NOLOGIN roles: ``studio_public`` (reads what seed 000 makes public),
``studio_user`` (a player: writes only rows whose owner is ``current_setting('app.username')``)
and ``studio_artist`` (writes the prebuilt catalogue). A server that has authenticated a player
connects as a login role that is a member of ``studio_user`` and names the player with
:func:`user_engine` (every connection of that engine) or :func:`act_as` (one transaction).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, event, text
from sqlalchemy.engine import URL

from studio.domain.identity import canonical_username
from studio.store.engine import make_engine

ROLES = ("studio_public", "studio_user", "studio_artist")


def _check_role(role: str) -> str:
    if role not in ROLES:  # role names cannot be bound parameters: only these fixed ones are allowed
        raise ValueError(f"unknown role {role!r}; expected one of {ROLES}")
    return role


def user_engine(url: str | URL, username: str | None, *, role: str = "studio_user", **kwargs: Any) -> Engine:
    """An engine whose every connection runs as ``role`` on behalf of ``username``."""
    _check_role(role)
    who = canonical_username(username) if username else ""
    engine = make_engine(url, **kwargs)
    if engine.dialect.name != "postgresql":
        raise ValueError("row-level security roles exist only on PostgreSQL")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: object) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET ROLE {role}")
            cur.execute("SELECT set_config('app.username', %s, false)", (who,))
        dbapi_conn.commit()

    return engine


def act_as(conn: Connection, username: str, *, role: str = "studio_user") -> None:
    """For the rest of the current transaction, act as ``username`` under ``role``."""
    conn.execute(text(f"SET LOCAL ROLE {_check_role(role)}"))
    conn.execute(text("SELECT set_config('app.username', :u, true)"), {"u": canonical_username(username)})
