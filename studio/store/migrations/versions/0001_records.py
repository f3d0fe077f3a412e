"""Records: users, player profiles, generation logs, wardrobe, inventory, prebuilts (+ PostgreSQL RLS).

Revision ID: 0001_records
Revises:
Create Date: 2026-03-01

Later migrations (the sync outbox, ...) chain after this one: keep the history linear.
The PostgreSQL-only step at the end creates the roles and row-level security policies described
in docs/records.md; SQLite (a single local user) has no roles and skips it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001_records"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def _now() -> sa.TextClause:
    return sa.text("CURRENT_TIMESTAMP")


def _stamps(*names: str) -> list[sa.Column]:
    return [sa.Column(n, TS, nullable=False, server_default=_now()) for n in names]


def _version() -> sa.Column:
    return sa.Column("version", sa.Integer, nullable=False, server_default="1")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("cartridge_username", sa.Text, nullable=False, unique=True),
        sa.Column("player_address", sa.Text),
        sa.Column("avatar_url", sa.Text),
        sa.Column("avatar_source_url", sa.Text),
        sa.Column("thumbnail_url", sa.Text),
        *_stamps("created_at", "updated_at"),
        _version(),
    )
    op.create_index("ix_users_player_address", "users", ["player_address"])
    op.create_table(
        "player_profiles",
        sa.Column("cartridge_username", sa.Text, primary_key=True),
        sa.Column("player_address", sa.Text, nullable=False),
        sa.Column("avatar_url", sa.Text),
        sa.Column("avatar_generation_prompt", sa.Text),
        sa.Column("fal_image_id", sa.Text),
        *_stamps("created_at", "updated_at"),
        sa.Column("generation_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_generation_at", TS),
        _version(),
    )
    op.create_index("ix_player_profiles_player_address", "player_profiles", ["player_address"])
    _create_logs()
    _create_wardrobe()
    _create_inventory()
    _create_prebuilts()
    if op.get_bind().dialect.name == "postgresql":
        _postgres_extras()


def _create_logs() -> None:
    op.create_table(
        "avatar_generation_logs",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("cartridge_username", sa.Text, nullable=False),
        sa.Column("prompt", sa.Text, nullable=False),
        sa.Column("style", sa.Text),
        sa.Column("seed", sa.Integer),
        sa.Column("model", sa.Text),
        sa.Column("fal_job_id", sa.Text, unique=True),
        sa.Column("status", sa.Text, nullable=False),
        sa.Column("error_message", sa.Text),
        sa.Column("image_url", sa.Text),
        sa.Column("image_urls", JSON),
        sa.Column("is_public", sa.Boolean, nullable=False, server_default=sa.true()),
        *_stamps("created_at", "updated_at"),
        sa.Column("completed_at", TS),
        _version(),
        sa.CheckConstraint(
            "status IN ('pending', 'in_progress', 'success', 'failed', 'cancelled', 'refused')",
            name="ck_logs_status",
        ),
    )
    op.create_index("ix_avatar_generation_logs_cartridge_username", "avatar_generation_logs", ["cartridge_username"])
    op.create_index("ix_avatar_generation_logs_created_at", "avatar_generation_logs", ["created_at"])
    where = sa.text("is_public AND status = 'success'")
    op.create_index(
        "ix_logs_gallery",
        "avatar_generation_logs",
        ["created_at", "id"],
        postgresql_where=where,
        sqlite_where=where,
    )


def _create_wardrobe() -> None:
    op.create_table(
        "avatar_wardrobe",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("avatar_type", sa.String(20), nullable=False),
        sa.Column("glb_url", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("thumbnail_url", sa.Text),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("metadata", JSON, nullable=False),
        *_stamps("created_at", "updated_at"),
        sa.Column("deleted_at", TS),
        _version(),
        sa.CheckConstraint("avatar_type IN ('vrm', 'ai_mesh', 'supermesh')", name="ck_wardrobe_avatar_type"),
        sa.CheckConstraint("NOT (is_active AND deleted_at IS NOT NULL)", name="ck_wardrobe_active_not_deleted"),
    )
    op.create_index("idx_wardrobe_user", "avatar_wardrobe", ["user_id"])
    op.create_index(
        "idx_wardrobe_active",
        "avatar_wardrobe",
        ["user_id"],
        unique=True,
        postgresql_where=sa.text("is_active"),
        sqlite_where=sa.text("is_active"),
    )


def _create_inventory() -> None:
    op.create_table(
        "avatar_inventory",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("user_id", sa.Uuid, sa.ForeignKey("users.id"), nullable=False),
        sa.Column("item_type", sa.String(30), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("glb_url", sa.Text, nullable=False),
        sa.Column("thumbnail_url", sa.Text),
        sa.Column("acquired_at", TS, nullable=False, server_default=_now()),
        sa.Column("source", sa.String(30), nullable=False, server_default="default"),
        _version(),
        sa.UniqueConstraint("user_id", "item_id", name="uq_inventory_user_item"),
        sa.CheckConstraint(
            "item_type IN ('clothing', 'hair', 'attachment', 'skin_preset')", name="ck_inventory_item_type"
        ),
        sa.CheckConstraint("source IN ('default', 'purchased', 'crafted', 'gifted')", name="ck_inventory_source"),
    )


def _create_prebuilts() -> None:
    op.create_table(
        "prebuilts",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("glb_url", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("thumbnail_url", sa.Text),
        sa.Column("content_hash", sa.Text),
        sa.Column("size_bytes", sa.BigInteger),
        sa.Column("metadata", JSON, nullable=False),
        *_stamps("published_at", "updated_at"),
        _version(),
        sa.CheckConstraint("kind IN ('avatar', 'hair', 'clothing', 'attachment')", name="ck_prebuilts_kind"),
    )


# --- PostgreSQL only: server-side defaults for raw-SQL writers, roles, row-level security ---------

_ME = "current_setting('app.username', true)"
_MY_USER_ID = f"(SELECT u.id FROM users u WHERE u.cartridge_username = {_ME})"
_ROLES = ("studio_public", "studio_user", "studio_artist")


def _postgres_extras() -> None:
    for table in ("users", "avatar_wardrobe", "avatar_inventory"):
        op.execute(f"ALTER TABLE {table} ALTER COLUMN id SET DEFAULT gen_random_uuid()")
    op.execute("ALTER TABLE avatar_wardrobe ALTER COLUMN metadata SET DEFAULT '{}'::jsonb")
    op.execute("ALTER TABLE prebuilts ALTER COLUMN metadata SET DEFAULT '{}'::jsonb")
    op.execute("ALTER TABLE avatar_wardrobe ALTER COLUMN name SET DEFAULT 'My Avatar'")
    op.execute("ALTER TABLE avatar_wardrobe ALTER COLUMN avatar_type SET DEFAULT 'vrm'")
    for role in _ROLES:  # roles are cluster-wide: create once, reuse in every database
        op.execute(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{role}') "
            f"THEN CREATE ROLE {role} NOLOGIN; END IF; END $$"
        )
    op.execute("GRANT studio_public TO studio_user")
    op.execute("GRANT studio_public TO studio_artist")
    _grants()
    _policies()


def _grants() -> None:
    op.execute("GRANT SELECT ON player_profiles, users, avatar_generation_logs, prebuilts TO studio_public")
    op.execute(
        "GRANT INSERT, UPDATE, DELETE ON player_profiles, users, avatar_generation_logs, "
        "avatar_wardrobe, avatar_inventory TO studio_user"
    )
    op.execute("GRANT SELECT ON avatar_wardrobe, avatar_inventory TO studio_user")
    op.execute("GRANT INSERT, UPDATE, DELETE ON prebuilts TO studio_artist")


def _policy(table: str, name: str, command: str, roles: str, using: str | None, check: str | None) -> None:
    sql = f"CREATE POLICY {name} ON {table} FOR {command} TO {roles}"
    if using is not None:
        sql += f" USING ({using})"
    if check is not None:
        sql += f" WITH CHECK ({check})"
    op.execute(sql)


def _own_rows(table: str, owned: str) -> None:
    """The user may insert, change and delete exactly the rows ``owned`` says are theirs."""
    _policy(table, f"{table}_insert_own", "INSERT", "studio_user", None, owned)
    _policy(table, f"{table}_update_own", "UPDATE", "studio_user", owned, owned)
    _policy(table, f"{table}_delete_own", "DELETE", "studio_user", owned, None)


def _policies() -> None:
    for table in ("users", "player_profiles", "avatar_generation_logs", "avatar_wardrobe",
                  "avatar_inventory", "prebuilts"):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    # Public reads: profiles and users (a player's avatar is public), the catalogue, the gallery.
    for table in ("users", "player_profiles", "prebuilts"):
        _policy(table, f"{table}_read_all", "SELECT", "studio_public", "true", None)
    _policy("avatar_generation_logs", "logs_read_public_or_own", "SELECT", "studio_public",
            f"is_public OR cartridge_username = {_ME}", None)
    _policy("avatar_wardrobe", "wardrobe_read_own", "SELECT", "studio_user", f"user_id = {_MY_USER_ID}", None)
    _policy("avatar_inventory", "inventory_read_own", "SELECT", "studio_user", f"user_id = {_MY_USER_ID}", None)
    _own_rows("users", f"cartridge_username = {_ME}")
    _own_rows("player_profiles", f"cartridge_username = {_ME}")
    _own_rows("avatar_generation_logs", f"cartridge_username = {_ME}")
    _own_rows("avatar_wardrobe", f"user_id = {_MY_USER_ID}")
    _own_rows("avatar_inventory", f"user_id = {_MY_USER_ID}")
    for command in ("INSERT", "UPDATE", "DELETE"):
        _policy("prebuilts", f"prebuilts_{command.lower()}_artist", command, "studio_artist",
                None if command == "INSERT" else "true", None if command == "DELETE" else "true")


def downgrade() -> None:
    for table in ("avatar_inventory", "avatar_wardrobe", "prebuilts", "avatar_generation_logs",
                  "player_profiles", "users"):
        op.drop_table(table)
    # Roles are cluster-wide and may serve other databases: they are left in place.
