"""What the open avatar wears, off the main thread: the preview's scene rebuilt when hair or
clothing change (an equip swaps meshes, which no live override can do), and the player's
inventory stocked with the built-in items the first time it is empty."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from studio.ui.avatar_session import AvatarSession, items_key
from studio.ui.tasks import Task, TaskContext, TaskRunner


class PreviewDresser:
    """Rebuilds ``session.scene`` on a worker when what the metadata wears differs from what the
    scene shows; ``on_dressed(session)`` once the new scene is in place. A newer change makes an
    older rebuild stale: its result is dropped when it arrives."""

    def __init__(
        self,
        runner: TaskRunner,
        owner: QObject,
        *,
        on_dressed: Callable[[AvatarSession], None],
        on_error: Callable[[BaseException], None],
    ) -> None:
        self.runner, self.owner = runner, owner
        self.on_dressed, self.on_error = on_dressed, on_error
        self.task: Task | None = None
        self._ticket = 0

    def dress(self, session: AvatarSession, metadata: dict[str, Any]) -> None:
        key = items_key(metadata)
        self._ticket += 1
        if self.task is not None:
            self.task.cancel()
            self.task = None
        if key == session.scene_items:
            return
        ticket = self._ticket
        task = self.runner.submit(
            "Dressing the preview…",
            lambda ctx: session.dressed(metadata),
            on_done=lambda result: self._done(session, ticket, key, result),
            on_error=lambda exc: self._failed(ticket, exc),
            owner=self.owner,
        )
        self.task = None if task.done else task

    def dress_nothing(self) -> None:
        """The avatar closed: a rebuild still running is dropped."""
        self._ticket += 1
        if self.task is not None:
            self.task.cancel()
            self.task = None

    def _done(self, session: AvatarSession, ticket: int, key: Any, result: tuple[Any, Any]) -> None:
        if ticket != self._ticket:
            return
        self.task = None
        scene, means = result
        session.scene, session.scene_items = scene, key
        session.texture_means = means  # the textures drawn now, nothing swapped out
        self.on_dressed(session)

    def _failed(self, ticket: int, error: BaseException) -> None:
        if ticket == self._ticket:
            self.task = None
            self.on_error(error)


def stock_inventory(services: Any, me: Any, ctx: TaskContext) -> list[Any]:
    """Worker: the player's inventory; an empty one first gets the built-in items (a new player's
    Outfit tab is never empty). Services without an inventory give an empty list."""
    inventory = getattr(services, "inventory", None)
    if inventory is None:
        return []
    owned = list(inventory.list(me))
    if not owned:
        ctx.progress(None, "Putting the built-in hair and clothes in your inventory…")
        inventory.grant_defaults(me, cancelled=ctx.cancelled)
        owned = list(inventory.list(me))
    return owned
