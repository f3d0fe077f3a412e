"""Generation logs and the public gallery on SQLite and PostgreSQL: newest first, keyset pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from studio.domain.errors import ConflictError, InvalidInputError, NotFoundError
from studio.services.gallery import GalleryService
from studio.store.engine import write_session
from studio.store.models import GenerationLog

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _seed(engine: Engine, count: int) -> None:
    with write_session(engine) as s:
        for n in range(count):
            s.add(GenerationLog(
                id=f"log-{n:03d}", cartridge_username="alice" if n % 2 else "bob",
                prompt=f"warrior {n}" if n % 3 else f"100% wizard_{n}",
                status="success" if n % 5 else "failed", is_public=n % 7 != 0,
                image_urls=[f"https://img/{n}.png"],
                created_at=T0 + timedelta(minutes=n // 2),  # pairs share a timestamp: the id breaks ties
            ))  # fmt: skip


def _visible(n: int) -> bool:
    return n % 5 != 0 and n % 7 != 0


def test_pages_walk_every_public_success_newest_first_without_gaps(db_engine: Engine) -> None:
    _seed(db_engine, 60)
    gallery = GalleryService(db_engine)
    seen: list[str] = []
    cursor = None
    while True:
        page = gallery.page(limit=7, cursor=cursor)
        seen += [item.id for item in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    expected = [
        f"log-{n:03d}" for n in sorted(range(60), key=lambda n: (n // 2, n), reverse=True) if _visible(n)
    ]
    assert seen == expected


def test_rows_added_while_paging_do_not_shift_the_next_page(db_engine: Engine) -> None:
    _seed(db_engine, 30)
    gallery = GalleryService(db_engine)
    first = gallery.page(limit=5)
    gallery.record("new", "carol", "fresh", status="success")
    second = gallery.page(limit=5, cursor=first.next_cursor)
    assert not {i.id for i in first.items} & {i.id for i in second.items}
    assert "new" not in {i.id for i in second.items}
    assert second.items[0].created_at <= first.items[-1].created_at


def test_prompt_search_is_case_insensitive_and_literal(db_engine: Engine) -> None:
    _seed(db_engine, 30)
    gallery = GalleryService(db_engine)
    wizards = gallery.page(limit=50, search="WIZARD").items
    assert wizards and all("wizard" in i.prompt for i in wizards)
    assert {i.id for i in gallery.page(limit=50, search="100%").items} == {i.id for i in wizards}
    assert gallery.page(limit=50, search="_%").items == []  # wildcards are matched literally


def test_bad_cursor_and_page_size_are_refused(db_engine: Engine) -> None:
    gallery = GalleryService(db_engine)
    with pytest.raises(InvalidInputError, match="cursor"):
        gallery.page(cursor="garbage!")
    with pytest.raises(InvalidInputError, match="page size"):
        gallery.page(limit=0)


def test_log_lifecycle_and_queries(db_engine: Engine) -> None:
    gallery = GalleryService(db_engine)
    log = gallery.record("g1", "Alice", "a knight", style="fantasy", model="fal-ai/flux-2/lora")
    assert log.status == "pending" and log.completed_at is None and log.cartridge_username == "alice"
    running = gallery.update("g1", status="in_progress", fal_job_id="req-9", expected_version=log.version)
    done = gallery.update("g1", status="success", image_urls=["u1", "u2"], image_url="u1")
    assert done.completed_at is not None and done.image_urls == ("u1", "u2")
    with pytest.raises(ConflictError):
        gallery.update("g1", status="failed", expected_version=running.version)
    assert gallery.by_fal_job("req-9").id == "g1"  # type: ignore[union-attr]
    assert [v.id for v in gallery.logs_for("alice", statuses=["success"])] == ["g1"]
    with pytest.raises(ConflictError):
        gallery.record("g1", "alice", "again")
    with pytest.raises(NotFoundError):
        gallery.update("missing", status="failed")
    with pytest.raises(InvalidInputError, match="status"):
        gallery.update("g1", status="exploded")
    with pytest.raises(InvalidInputError, match="cannot set"):
        gallery.update("g1", cartridge_username="mallory")


def test_one_fal_request_id_belongs_to_one_log(db_engine: Engine) -> None:
    gallery = GalleryService(db_engine)
    gallery.record("g1", "alice", "p", fal_job_id="req-1")
    gallery.record("g2", "alice", "p")  # many logs without a Fal id are fine
    gallery.record("g3", "alice", "p")
    with pytest.raises(ConflictError):
        gallery.record("g4", "alice", "p", fal_job_id="req-1")
