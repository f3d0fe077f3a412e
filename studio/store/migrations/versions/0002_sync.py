"""Sync: local outbox, shadow copies and state; server change feed filled by triggers.

Revision ID: 0002_sync
Revises: 0001_records
Create Date: 2026-03-02

``sync_changes`` holds, per synced row, the server-assigned change sequence a pull follows. On
PostgreSQL a trigger on each synced table keeps it current for every writer (the sync engine, the
services, a game server). The trigger first takes a transaction-scoped advisory lock on the row's
owner, so one owner's writers commit in sequence order and a pull reading ``seq > cursor`` can
never miss a change that commits late. See docs/sync.md.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_sync"
down_revision: str | None = "0001_records"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (key expression, owner expression) on NEW/OLD
SYNCED = {
    "avatar_wardrobe": ("id::text", "user_id::text"),
    "avatar_inventory": ("id::text", "user_id::text"),
    "player_profiles": ("cartridge_username", "cartridge_username"),
    "avatar_generation_logs": ("id", "cartridge_username"),
}


def upgrade() -> None:
    op.create_table(
        "sync_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity", sa.Text, nullable=False),
        sa.Column("row_key", sa.Text, nullable=False),
        sa.Column("op", sa.Text, nullable=False),
        sqlite_autoincrement=True,  # ids are never reused: a push is named by its newest outbox id
    )
    op.create_index("ix_sync_outbox_row", "sync_outbox", ["entity", "row_key"])
    op.create_table(
        "sync_shadow",
        sa.Column("entity", sa.Text, primary_key=True),
        sa.Column("row_key", sa.Text, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
    )
    op.create_table(
        "sync_state",
        sa.Column("name", sa.Text, primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "sync_uploads",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("sha256", sa.Text, primary_key=True),
        sa.Column("upload_id", sa.Text, nullable=False),
        sa.Column("part_size", sa.BigInteger, nullable=False),
        sa.Column("parts", sa.Text, nullable=False),
    )
    op.create_table(
        "sync_changes",
        sa.Column("entity", sa.Text, primary_key=True),
        sa.Column("row_key", sa.Text, primary_key=True),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("device", sa.Text),
        sa.Column("op_id", sa.Text),
    )
    op.create_index("ix_sync_changes_owner_seq", "sync_changes", ["owner", "seq"])
    if op.get_bind().dialect.name == "postgresql":
        _postgres_change_feed()


def _postgres_change_feed() -> None:
    op.execute("CREATE SEQUENCE sync_change_seq")
    for table, (key, owner) in SYNCED.items():
        tombstone = "NEW.deleted_at IS NOT NULL" if table == "avatar_wardrobe" else "false"
        op.execute(f"""
CREATE FUNCTION sync_track_{table}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
DECLARE k text; o text; gone boolean;
BEGIN
  IF TG_OP = 'DELETE' THEN k := OLD.{key}; o := OLD.{owner}; gone := true;
  ELSE k := NEW.{key}; o := NEW.{owner}; gone := {tombstone};
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended('sync:' || o, 0));
  INSERT INTO sync_changes (entity, row_key, owner, seq, deleted, device, op_id)
  VALUES ('{table}', k, o, nextval('sync_change_seq'), gone,
          nullif(current_setting('studio.device', true), ''),
          nullif(current_setting('studio.op_id', true), ''))
  ON CONFLICT (entity, row_key) DO UPDATE SET owner = EXCLUDED.owner, seq = EXCLUDED.seq,
    deleted = EXCLUDED.deleted, device = EXCLUDED.device, op_id = EXCLUDED.op_id;
  RETURN NULL;
END $$""")
        op.execute(
            f"CREATE TRIGGER sync_track AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION sync_track_{table}()"
        )
    op.execute("""DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'studio_user')
      THEN GRANT SELECT ON sync_changes TO studio_user; END IF; END $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in SYNCED:
            op.execute(f"DROP TRIGGER IF EXISTS sync_track ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS sync_track_{table}()")
        op.execute("DROP SEQUENCE IF EXISTS sync_change_seq")
    for table in ("sync_changes", "sync_uploads", "sync_state", "sync_shadow", "sync_outbox"):
        op.drop_table(table)
