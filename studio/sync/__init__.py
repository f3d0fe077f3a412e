"""Offline-first sync: local outbox -> PostgreSQL rows + S3 objects, and back."""
