"""Size caps applied before and while reading untrusted glTF/GLB/VRM input.

The file caps come from the design seeds ("reject >50MB GLB, >100MB VRM"); the rest bound the work a
hostile file can make the studio do (JSON size and nesting, array lengths, image pixels, report size).
MB here means MiB (2**20 bytes). See docs/gltf.md.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import PurePath

MIB = 1024 * 1024
#: the files the studio reads as avatars (what "Open with" hands over and the wardrobe adds)
AVATAR_SUFFIXES = (".vrm", ".glb", ".gltf")


@dataclass(frozen=True)
class Limits:
    #: whole-file cap for .glb / .gltf input
    max_glb_bytes: int = 50 * MIB
    #: whole-file cap for .vrm input (VRM is the editable source format, allowed to be larger)
    max_vrm_bytes: int = 100 * MIB
    #: cap on the GLB JSON chunk (or a whole .gltf text)
    max_json_bytes: int = 16 * MIB
    #: JSON nesting depth; deeper documents are refused before Python's recursion limit is near
    max_json_depth: int = 64
    #: cap on any top-level array (nodes, accessors...) and on skin joints / scene roots
    max_array_items: int = 200_000
    #: cap on width*height of any image (decompression bombs); 8192x8192 fits
    max_image_pixels: int = 8192 * 8192
    #: a decoded data: URI may not exceed this many bytes
    max_data_uri_bytes: int = 64 * MIB
    #: at most this many issues are kept in a report (the counts stay exact)
    max_issues: int = 1000

    def file_cap(self, name: str | PurePath = "") -> int:
        """The whole-file cap for a file called ``name`` (``.vrm`` gets the VRM cap)."""
        return self.max_vrm_bytes if str(name).lower().endswith(".vrm") else self.max_glb_bytes

    def scaled(self, factor: float) -> Limits:
        """A copy with the byte caps multiplied by ``factor`` (benchmarks, trusted batch jobs)."""
        return replace(
            self,
            max_glb_bytes=int(self.max_glb_bytes * factor),
            max_vrm_bytes=int(self.max_vrm_bytes * factor),
            max_json_bytes=int(self.max_json_bytes * factor),
            max_data_uri_bytes=int(self.max_data_uri_bytes * factor),
        )


DEFAULT_LIMITS = Limits()
