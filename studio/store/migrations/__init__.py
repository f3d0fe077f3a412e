"""Alembic migrations for the record tables (one linear history; see docs/records.md)."""
