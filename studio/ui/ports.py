"""What the UI needs from the composition root, as Protocols.

``studio.app.Studio`` satisfies :class:`StudioServices` structurally. :class:`AvatarLibrary` is
the one use case the UI calls that no service provides yet (putting a file, a prebuilt or a new
supermesh into the blob store and the wardrobe in one step): the wardrobe's Add menu and the
onboarding's create step use ``studio.avatars`` when the root offers it and stay disabled until then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

Progress = Callable[[float | None, str], None]
Cancelled = Callable[[], bool]


class AvatarLibrary(Protocol):
    def prebuilts(self) -> Sequence[Any]:
        """The default prebuilt collection; each has ``.id`` (``default-fem-01``...)."""
        ...

    def add_file(self, me: Any, path: Path, *, progress: Progress, cancelled: Cancelled) -> Any:
        """Validate and store a .vrm/.glb, add it to my wardrobe; returns the wardrobe entry."""
        ...

    def add_prebuilt(self, me: Any, prebuilt_id: str) -> Any: ...

    def new_supermesh(
        self, me: Any, params: dict[str, Any], *, progress: Progress, cancelled: Cancelled
    ) -> Any: ...


class StudioServices(Protocol):
    settings: Any

    def identity(self) -> Any: ...
    def read_blob(self, ref: str) -> bytes: ...

    @property
    def profiles(self) -> Any: ...
    @property
    def wardrobe(self) -> Any: ...
    @property
    def inventory(self) -> Any: ...
    @property
    def gallery(self) -> Any: ...
    @property
    def generation(self) -> Any: ...
