"""What is inside a model: the summary ``studio inspect`` prints. Reads headers and JSON only
(image sizes from their headers, counts from accessors), so it costs milliseconds on any file,
and is safe on a document validation refused."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from studio.gltf.document import Document
from studio.gltf.errors import GltfError
from studio.gltf.images import read_header
from studio.gltf.validate import ValidationReport
from studio.gltf.vrm import VrmInfo, parse_vrm
from studio.gltf.vrm.fields import arr, index, obj, text

_TRIANGLE_MODES = {4: lambda n: n // 3, 5: lambda n: max(n - 2, 0), 6: lambda n: max(n - 2, 0)}


@dataclass(frozen=True)
class TextureInfo:
    index: int
    image: int | None
    mime_type: str
    width: int
    height: int
    bytes: int


@dataclass(frozen=True)
class Summary:
    name: str
    format: str
    gltf_version: str
    generator: str
    sizes: dict[str, int]
    meshes: int
    primitives: int
    vertices: int
    triangles: int
    morph_targets: int
    materials: int
    textures: tuple[TextureInfo, ...]
    nodes: int
    skins: int
    joints: int
    humanoid_bones: int
    expressions: tuple[str, ...]
    vrm: dict[str, Any]
    extensions: tuple[str, ...]
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    valid: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON: keys fixed, lists in file order."""
        out = asdict(self)
        out["textures"] = [asdict(t) for t in self.textures]
        out["expressions"] = list(self.expressions)
        out["extensions"] = list(self.extensions)
        out["errors"] = list(self.errors)
        out["warnings"] = list(self.warnings)
        out.pop("extra")
        return out


def summarize(doc: Document, report: ValidationReport | None = None, info: VrmInfo | None = None) -> Summary:
    info = info or parse_vrm(doc)
    asset = obj(doc.json.get("asset"))
    prims, vertices, triangles, morphs = _mesh_counts(doc)
    joints = {j for s in doc.items("skins") for j in arr(obj(s).get("joints")) if index(j) is not None}
    return Summary(
        name=doc.name,
        format=f"VRM {info.version}" if info.version else ("GLB" if doc.container == "glb" else "glTF"),
        gltf_version=text(asset.get("version")),
        generator=text(asset.get("generator")),
        sizes=dict(doc.sizes),
        meshes=len(doc.items("meshes")),
        primitives=prims,
        vertices=vertices,
        triangles=triangles,
        morph_targets=morphs,
        materials=len(doc.items("materials")),
        textures=tuple(_textures(doc)),
        nodes=len(doc.items("nodes")),
        skins=len(doc.items("skins")),
        joints=len(joints),
        humanoid_bones=len(info.humanoid),
        expressions=tuple(info.expressions),
        vrm=_vrm_dict(info),
        extensions=tuple(text(e) for e in arr(doc.json.get("extensionsUsed"))),
        errors=tuple(str(i) for i in report.errors) if report else (),
        warnings=tuple(str(i) for i in report.warnings) if report else (),
        valid=report.ok if report else True,
    )


def _count(doc: Document, value: Any) -> int:
    i = index(value)
    accessors = doc.items("accessors")
    if i is None or i >= len(accessors):
        return 0
    count = index(obj(accessors[i]).get("count"))
    return count or 0


def _mesh_counts(doc: Document) -> tuple[int, int, int, int]:
    prims = vertices = triangles = morphs = 0
    for mesh in doc.items("meshes"):
        primitives = arr(obj(mesh).get("primitives"))
        morphs += max((len(arr(obj(p).get("targets"))) for p in primitives), default=0)
        for prim in primitives:
            prim = obj(prim)
            prims += 1
            n = _count(doc, obj(prim.get("attributes")).get("POSITION"))
            vertices += n
            drawn = _count(doc, prim["indices"]) if "indices" in prim else n
            mode = index(prim.get("mode", 4))
            triangles += _TRIANGLE_MODES[mode](drawn) if mode in _TRIANGLE_MODES else 0
    return prims, vertices, triangles, morphs


def _textures(doc: Document) -> list[TextureInfo]:
    out = []
    images = doc.items("images")
    for t, texture in enumerate(doc.items("textures")):
        texture = obj(texture)
        source = index(texture.get("source"))
        for ext in obj(texture.get("extensions")).values():
            source = index(obj(ext).get("source")) if source is None else source
        data = _image_bytes(doc, images[source]) if source is not None and source < len(images) else None
        mime, width, height = "", 0, 0
        if data is not None:
            try:
                header = read_header(data)
                mime, width, height = header.mime_type, header.width, header.height
            except GltfError:
                pass  # validation reports it; the summary shows an unknown format
        out.append(TextureInfo(t, source, mime, width, height, len(data) if data is not None else 0))
    return out


def _image_bytes(doc: Document, image: Any) -> memoryview | None:
    view_index = index(obj(image).get("bufferView"))
    views = doc.items("bufferViews")
    if view_index is None or view_index >= len(views):
        return None
    view = obj(views[view_index])
    buffer, offset, length = (
        index(view.get("buffer")),
        index(view.get("byteOffset", 0)),
        index(view.get("byteLength")),
    )
    if buffer is None or offset is None or length is None or not doc.has_buffer_data(buffer):
        return None
    data = memoryview(doc.buffer_bytes(buffer))
    return data[offset : offset + length] if offset + length <= len(data) else None


def _vrm_dict(info: VrmInfo) -> dict[str, Any]:
    if info.version is None:
        return {}
    meta = info.meta
    return {
        "version": info.version,
        "spec_version": info.spec_version,
        "title": meta.name,
        "model_version": meta.version,
        "authors": list(meta.authors),
        "contact": meta.contact,
        "license": meta.license_name,
        "license_url": meta.license_url,
        "allow_modification": meta.allow_modification,
        "allow_redistribution": meta.allow_redistribution,
        "modification": meta.modification,
        "allowed_user": meta.allowed_user,
        "commercial_usage": meta.commercial_usage,
        "credit_notation": meta.credit_notation,
        "spring_bones": info.has_spring_bones,
        "mtoon": info.has_mtoon,
        "look_at": info.has_look_at,
        "first_person": info.has_first_person,
    }
