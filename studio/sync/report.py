"""What a sync tells the user: counts, bytes, conflicts, and progress while it runs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SyncProgress:
    phase: str  # "upload" | "push" | "pull" | "download" | "publish"
    items_done: int
    items_total: int
    bytes_done: int = 0
    bytes_total: int = 0


ProgressCallback = Callable[[SyncProgress], None]


@dataclass(frozen=True)
class ConflictNote:
    """Two devices changed the same entry; both versions were kept."""

    entity: str
    row_key: str
    copy_key: str
    copy_name: str | None
    kept_from: str  # "local" | "remote": whose version went into the copy
    fields: tuple[str, ...] = ()

    def message(self) -> str:
        what = f"{self.copy_name!r}" if self.copy_name else self.copy_key
        because = f" ({', '.join(self.fields)} changed on both)" if self.fields else ""
        side = "your" if self.kept_from == "local" else "the other device's"
        return f"{self.entity} {self.row_key}: kept {side} version as {what}{because}"


@dataclass
class SyncReport:
    dry_run: bool = False
    pushed: int = 0
    pulled: int = 0
    merged: int = 0
    uploaded_blobs: int = 0
    uploaded_bytes: int = 0
    downloaded_blobs: int = 0
    downloaded_bytes: int = 0
    published: int = 0
    catalogue: int = 0  # published prebuilts rows added, changed or removed here (the server's)
    pending_push: int = 0
    pending_pull: int = 0
    conflicts: list[ConflictNote] = field(default_factory=list)

    def summary(self) -> str:
        if self.dry_run:
            return f"would push {self.pending_push} change(s) and pull {self.pending_pull} change(s)"
        text = (
            f"pushed {self.pushed}, pulled {self.pulled}, merged {self.merged}; "
            f"uploaded {self.uploaded_blobs} file(s) ({self.uploaded_bytes} bytes), "
            f"downloaded {self.downloaded_blobs} ({self.downloaded_bytes} bytes)"
        )
        if self.conflicts:
            text += f"; {len(self.conflicts)} conflict(s) kept as copies"
        if self.catalogue:
            text += f"; {self.catalogue} prebuilt catalogue change(s)"
        return text
