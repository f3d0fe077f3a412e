"""Profiles: the address index covers batch lookups (PostgreSQL index-only scans).

Revision ID: 0003_profile_lookup
Revises: 0002_sync
Create Date: 2026-03-03

``ix_player_profiles_player_address`` stays keyed on ``player_address`` alone (the seed's index)
and, on PostgreSQL, INCLUDEs ``updated_at``, ``cartridge_username`` and ``avatar_url``: everything
a batch lookup by address reads, so each of its up to 10,000 probes is index-only. SQLite has no
INCLUDE and keeps the plain index. Cost: a profile update that changes one of those columns can
no longer be a HOT update (profiles are read far more than written). See docs/records.md.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_profile_lookup"
down_revision: str | None = "0002_sync"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_player_profiles_player_address"
INCLUDED = ["updated_at", "cartridge_username", "avatar_url"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="player_profiles")
    op.create_index(INDEX, "player_profiles", ["player_address"], postgresql_include=INCLUDED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index(INDEX, table_name="player_profiles")
    op.create_index(INDEX, "player_profiles", ["player_address"])
