""""My history" on SQLite and PostgreSQL: every kept image, newest generation first, keyset pages,
the profile avatar marked chosen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from studio.domain.errors import InvalidInputError
from studio.services.gallery import GalleryService
from studio.store.engine import write_session
from studio.store.models import GenerationLog, PlayerProfile

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _seed(engine: Engine, count: int) -> None:
    """alice: ``count`` generations (three images each, pairs sharing a timestamp), some failed;
    bob: one success. alice's profile avatar is image 1 of log-004."""
    with write_session(engine) as s:
        for n in range(count):
            s.add(GenerationLog(
                id=f"log-{n:03d}", cartridge_username="alice",
                prompt=f"warrior {n}" if n % 3 else f"wizard {n}",
                status="failed" if n % 5 == 0 else "success", is_public=False,
                image_urls=[] if n % 5 == 0 else [f"img/{n}/{k}.png" for k in range(3)],
                created_at=T0 + timedelta(minutes=n // 2),
            ))  # fmt: skip
        s.add(GenerationLog(
            id="bob-1", cartridge_username="bob", prompt="warrior bob", status="success",
            image_urls=["img/bob.png"], created_at=T0,
        ))  # fmt: skip
        s.add(PlayerProfile(cartridge_username="alice", player_address="0xa", avatar_url="img/4/1.png"))


def _walk(gallery: GalleryService, limit: int, search: str | None = None) -> list:
    items, cursor = [], None
    while True:
        page = gallery.history_page("alice", limit=limit, cursor=cursor, search=search)
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


def test_history_walks_every_kept_image_newest_first(db_engine: Engine) -> None:
    _seed(db_engine, 20)
    items = _walk(GalleryService(db_engine), limit=3)
    logs = [n for n in sorted(range(20), key=lambda n: (n // 2, n), reverse=True) if n % 5]
    assert [(i.log_id, i.index) for i in items] == [(f"log-{n:03d}", k) for n in logs for k in range(3)]
    assert [i.image_url for i in items][:3] == ["img/19/0.png", "img/19/1.png", "img/19/2.png"]
    assert [i.id for i in items if i.chosen] == ["log-004/1"]
    assert len({i.id for i in items}) == len(items)


def test_history_search_and_page_size(db_engine: Engine) -> None:
    _seed(db_engine, 20)
    gallery = GalleryService(db_engine)
    wizards = _walk(gallery, limit=2, search="WIZARD")
    assert {i.log_id for i in wizards} == {"log-003", "log-006", "log-009", "log-012", "log-018"}
    assert all(i.prompt.startswith("wizard") for i in wizards)
    assert gallery.history_page("nobody").items == []
    with pytest.raises(InvalidInputError, match="page size"):
        gallery.history_page("alice", limit=0)
    with pytest.raises(InvalidInputError, match="cursor"):
        gallery.history_page("alice", cursor="not-a-cursor")
