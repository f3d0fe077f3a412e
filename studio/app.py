"""The composition root: settings -> adapters -> services. The only place adapters are built.

The CLI and the UI both get a :class:`Studio` from :func:`open_studio` and call its services.
Adapters (SQLAlchemy engine, blob store, Fal client, S3 client) are created lazily, once, so a
command that only inspects a file never opens a database.
"""

from __future__ import annotations

from functools import cached_property

from studio.settings import Settings, load_settings


class Studio:
    """Holds the adapters and services for one process. Build it with :func:`open_studio`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def data_dir(self):  # noqa: ANN201 - Path
        self.settings.data_dir.mkdir(parents=True, exist_ok=True)
        return self.settings.data_dir


def open_studio(settings: Settings | None = None) -> Studio:
    return Studio(settings or load_settings())
