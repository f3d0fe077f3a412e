"""The small interfaces the generation pipeline runs on, and the values passed through them.

:class:`Generator` is what a text-to-image backend offers (``FalGenerator`` is the real one);
:class:`ImageSink` is the part of the blob store the pipeline writes to. Both are injected by
``studio/app.py``; tests inject the real adapters pointed at local servers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

from studio.domain.errors import OfflineError, StudioError

# Seed 000: the LoRA passed to fal-ai/flux-2/lora (a configurable default).
SEED_LORA_URL = (
    "https://v3b.fal.media/files/b/0a8a72d0/2fIFu-A-H48Vv1lcMyiao_pytorch_lora_weights.safetensors"
)
IMAGE_SIZES: dict[str, tuple[int, int]] = {
    "square_hd": (1024, 1024),
    "square": (512, 512),
    "portrait_4_3": (768, 1024),
    "portrait_16_9": (576, 1024),
}


class GenerationFailedError(StudioError):
    """The backend ran the job and reported an error (bad input, model failure, no usable image)."""

    code = "GENERATION_FAILED"


class FalKeyRejectedError(StudioError):
    """401/403 from Fal: the key is wrong, revoked or out of credit."""

    code = "FAL_KEY_REJECTED"


class FalUnavailableError(OfflineError):
    """Fal kept answering 429/5xx (or timing out) after every retry."""

    code = "FAL_UNAVAILABLE"


@dataclass(frozen=True)
class Lora:
    path: str
    scale: float = 1.0


@dataclass(frozen=True)
class GenerationRequest:
    """One text-to-image job, as sent to the model."""

    prompt: str
    seed: int
    image_size: str = "square_hd"
    num_inference_steps: int = 28
    num_images: int = 4
    loras: tuple[Lora, ...] = (Lora(SEED_LORA_URL),)

    @property
    def dimensions(self) -> tuple[int, int]:
        return IMAGE_SIZES[self.image_size]

    def arguments(self) -> dict[str, object]:
        return {
            "prompt": self.prompt,
            "image_size": self.image_size,
            "num_inference_steps": self.num_inference_steps,
            "num_images": self.num_images,
            "seed": self.seed,
            "loras": [{"path": lora.path, "scale": lora.scale} for lora in self.loras],
            "enable_safety_checker": True,
        }


@dataclass(frozen=True)
class RemoteImage:
    url: str
    width: int | None = None
    height: int | None = None
    content_type: str | None = None  # as declared by the server: never trusted


@dataclass(frozen=True)
class GenerationOutput:
    images: tuple[RemoteImage, ...]
    nsfw: tuple[bool, ...] = ()
    seed: int | None = None

    def flagged(self, index: int) -> bool:
        return index < len(self.nsfw) and bool(self.nsfw[index])


@dataclass(frozen=True)
class Progress:
    """One queue update: ``queued`` with a position, ``running`` with new log lines, ``completed``."""

    state: Literal["submitted", "queued", "running", "completed", "downloading", "stored"]
    position: int | None = None
    logs: tuple[str, ...] = field(default=())
    message: str = ""


ProgressCallback = Callable[[Progress], None]
CancelCheck = Callable[[], bool]


class Generator(Protocol):
    """A queue-based image generator. Request ids survive restarts: ``wait`` re-attaches by id."""

    model: str

    def submit(self, request: GenerationRequest) -> str: ...

    def wait(
        self,
        request_id: str,
        on_progress: ProgressCallback | None = None,
        should_cancel: CancelCheck | None = None,
    ) -> GenerationOutput: ...

    def cancel(self, request_id: str) -> bool:
        """Ask the backend to cancel; False when the job had already finished."""
        ...


class ImageSink(Protocol):
    """What the pipeline needs from the blob store: write bytes under a key, get a permanent ref."""

    def put(self, key: str, data: bytes, content_type: str) -> str: ...
