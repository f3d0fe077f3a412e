"""Validation of a read :class:`~studio.gltf.document.Document`: one report of every finding, each
with severity, code (the Khronos glTF-Validator's where one exists), JSON pointer and message.

Checks run structure first (so data checks only read what is known to be in bounds), then the
vectorised data checks, then the studio's own policy (no external URIs). See docs/gltf.md.
"""

from __future__ import annotations

from studio.gltf.document import Document
from studio.gltf.errors import Issue
from studio.gltf.limits import DEFAULT_LIMITS, Limits
from studio.gltf.validate.accessors import check_accessors
from studio.gltf.validate.animations import check_animation_data, check_animations
from studio.gltf.validate.bounds import check_bounds
from studio.gltf.validate.buffers import check_buffer_views, check_buffers
from studio.gltf.validate.context import Context
from studio.gltf.validate.data import check_mesh_data
from studio.gltf.validate.images import check_images, check_materials, check_textures
from studio.gltf.validate.meshes import check_meshes
from studio.gltf.validate.nodes import check_nodes, check_skins
from studio.gltf.validate.policy import check_sources
from studio.gltf.validate.report import Collector, ValidationReport
from studio.gltf.validate.skinning import check_skinning
from studio.gltf.validate.structure import SUPPORTED_EXTENSIONS, check_root
from studio.gltf.validate.vrm_refs import check_vrm

__all__ = ["SUPPORTED_EXTENSIONS", "Issue", "ValidationReport", "validate"]

_CHECKS = (
    check_root,
    check_buffers,
    check_buffer_views,
    check_accessors,
    check_images,
    check_textures,
    check_materials,
    check_meshes,
    check_nodes,
    check_skins,
    check_animations,
    check_vrm,
    check_mesh_data,
    check_skinning,
    check_bounds,
    check_animation_data,
    check_sources,
)


def validate(doc: Document, limits: Limits | None = None) -> ValidationReport:
    """Every finding for ``doc``. Never raises for bad content: problems become report issues."""
    out = Collector((limits or DEFAULT_LIMITS).max_issues)
    out.extend(doc.load_issues)
    ctx = Context(doc, limits or DEFAULT_LIMITS, out)
    for check in _CHECKS:
        check(ctx)
    return out.report(doc.name)
