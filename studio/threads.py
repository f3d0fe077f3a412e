"""How many threads one process's image work may use: texture encoding in the exporter
(``studio.gltf.functions._images``) and texture decoding for a render (``studio.render.materials``).

Two by default (Pillow releases the GIL while coding images; a single avatar rarely has enough
images to keep more busy). A process that shares the machine with sibling processes doing the same
work, the prebuilt pipeline's workers, lowers it so that ``workers x threads`` stays within the cores
(``studio.services.prebuilt_worker.threads_per_worker``)."""

from __future__ import annotations

MAX_IMAGE_THREADS = 2
_image_threads = MAX_IMAGE_THREADS


def image_threads() -> int:
    return _image_threads


def set_image_threads(count: int) -> None:
    """Use ``count`` threads (1 .. :data:`MAX_IMAGE_THREADS`) for image work in this process."""
    global _image_threads
    _image_threads = max(1, min(MAX_IMAGE_THREADS, int(count)))
