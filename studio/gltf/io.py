"""Bytes and files in, :class:`~studio.gltf.document.Document` out: the one place that reads input.

Accepts GLB (``.glb``/``.vrm``) and glTF JSON text whose buffers are ``data:`` URIs. Nothing here
ever opens or fetches a URI: external, relative, absolute, ``file:`` and ``http(s):`` references are
left unresolved and reported by validation. Size caps (:class:`~studio.gltf.limits.Limits`) are
applied before the bytes are read.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from studio.gltf.document import Document
from studio.gltf.errors import GltfError, Issue
from studio.gltf.glb import GLB_MAGIC, read_chunks
from studio.gltf.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from studio.gltf.validate import ValidationReport

_BOM = b"\xef\xbb\xbf"


def read_glb(
    data: bytes | bytearray | memoryview, limits: Limits | None = None, *, name: str = ""
) -> Document:
    """Parse GLB bytes (or glTF JSON text with only ``data:`` URIs) into a Document.

    Raises :class:`GltfError` when the container or its JSON cannot be read; everything else is left
    to :func:`studio.gltf.validate.validate`.
    """
    limits = limits or DEFAULT_LIMITS
    data = bytes(data) if not isinstance(data, bytes) else data
    cap = limits.file_cap(name) if name else max(limits.max_glb_bytes, limits.max_vrm_bytes)
    if len(data) > cap:
        raise GltfError("FILE_TOO_LARGE", "", _too_large(name, len(data), cap))
    if _looks_like_json(data, name):
        return _read_gltf_json(data, limits, name)
    chunks = read_chunks(data)
    issues = list(chunks.issues)
    tree: dict[str, Any] | None = None
    if chunks.json is not None:
        tree, json_issue = _parse_json(chunks.json, limits)
        if json_issue:
            issues.append(json_issue)
    if chunks.has_errors or tree is None or any(i.severity == "error" for i in issues):
        if not any(i.severity == "error" for i in issues):
            issues.append(Issue("error", "GLB_MISSING_JSON_CHUNK", "", "The GLB has no JSON chunk.", 12))
        raise GltfError.from_issues(issues, name=name)
    sizes = {"file": len(data), "json": len(chunks.json or b""), "bin": len(chunks.bin or b"")}
    doc = Document(tree, chunks.bin or b"", "glb", sizes, load_issues=issues, name=name)
    _decode_data_uris(doc, limits)
    return doc


def load(path: str | os.PathLike[str], limits: Limits | None = None) -> Document:
    """Read a .glb/.vrm/.gltf file, refusing it by its size before reading it whole."""
    limits = limits or DEFAULT_LIMITS
    p = Path(path)
    cap = limits.file_cap(p.name)
    try:
        with p.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > cap:
                raise GltfError("FILE_TOO_LARGE", "", _too_large(p.name, size, cap))
            # read at most cap+1 bytes: a file growing while read is still capped
            data = fh.read(cap + 1)
    except OSError as exc:
        raise GltfError("FILE_UNREADABLE", "", f"{p}: cannot be read ({exc.strerror or exc})") from exc
    return read_glb(data, limits, name=p.name)


def open_checked(
    source: str | os.PathLike[str] | bytes | bytearray | memoryview,
    limits: Limits | None = None,
    *,
    name: str = "",
) -> tuple[Document, ValidationReport]:
    """Read and validate; raise :class:`GltfError` (code of the first error) if anything is wrong.
    Warnings do not refuse a file: they come back in the report."""
    from studio.gltf.validate import validate

    if isinstance(source, bytes | bytearray | memoryview):
        doc = read_glb(source, limits, name=name)
    else:
        doc = load(source, limits)
    report = validate(doc, limits)
    if not report.ok:
        raise GltfError.from_issues(report.issues, name=doc.name)
    return doc, report


def _too_large(name: str, size: int, cap: int) -> str:
    label = f"{name} is" if name else "the file is"
    if cap < 2**20:  # a cap set low in settings: "0.0 MB; the limit is 0 MB" would say nothing
        return f"{label} {size} bytes; the limit is {cap} bytes"
    return f"{label} {size / 2**20:.1f} MB; the limit is {cap / 2**20:.0f} MB"


def _looks_like_json(data: bytes, name: str) -> bool:
    if len(data) >= 4 and int.from_bytes(data[:4], "little") == GLB_MAGIC:
        return False
    if name.lower().endswith(".gltf"):
        return True
    head = data[:64].removeprefix(_BOM).lstrip()
    return head.startswith(b"{")


def _parse_json(raw: bytes, limits: Limits) -> tuple[dict[str, Any] | None, Issue | None]:
    """Strict JSON: UTF-8 without BOM, no NaN/Infinity, an object at the top, bounded size/depth."""
    if len(raw) > limits.max_json_bytes:
        msg = f"JSON is {len(raw)} bytes; the limit is {limits.max_json_bytes}."
        return None, Issue("error", "JSON_TOO_LARGE", "", msg)
    if raw.startswith(_BOM):
        return None, _invalid_json("BOM found at the beginning of UTF-8 stream.")
    try:
        text = raw.decode("utf-8")
        tree = json.loads(text, parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, _invalid_json(str(exc) or type(exc).__name__)
    if not isinstance(tree, dict):
        return None, Issue("error", "TYPE_MISMATCH", "", "The JSON root must be an object.")
    if _depth_exceeds(tree, limits.max_json_depth):
        return None, _invalid_json(f"nesting deeper than {limits.max_json_depth} levels")
    return tree, None


def _invalid_json(detail: str) -> Issue:
    return Issue("error", "INVALID_JSON", "", f"Invalid JSON data. Parser output: {detail}")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _depth_exceeds(tree: Any, limit: int) -> bool:
    stack: list[tuple[Any, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))
    return False


def _read_gltf_json(data: bytes, limits: Limits, name: str) -> Document:
    tree, issue = _parse_json(data, limits)
    if tree is None:
        assert issue is not None
        raise GltfError.from_issues([issue], name=name)
    doc = Document(tree, b"", "gltf", {"file": len(data), "json": len(data), "bin": 0}, name=name)
    _decode_data_uris(doc, limits)
    return doc


def _decode_data_uris(doc: Document, limits: Limits) -> None:
    """Decode ``data:...;base64,`` buffers; anything else stays unresolved for validation to report."""
    for index, buf in enumerate(doc.items("buffers")):
        uri = buf.get("uri") if isinstance(buf, dict) else None
        if isinstance(uri, str) and uri.startswith("data:"):
            payload = decode_data_uri(uri, limits, pointer=f"/buffers/{index}/uri")
            if payload is not None:
                doc.uri_buffers[index] = payload[1]


def decode_data_uri(uri: str, limits: Limits, *, pointer: str = "") -> tuple[str, bytes] | None:
    """``(media type, bytes)`` of a base64 ``data:`` URI, or None if it is not one we can read.
    Raises :class:`GltfError` when the payload is over ``limits.max_data_uri_bytes``."""
    head, sep, body = uri.partition(",")
    if not sep or not head.startswith("data:") or not head.endswith(";base64"):
        return None
    if len(body) * 3 // 4 > limits.max_data_uri_bytes:
        raise GltfError("DATA_URI_TOO_LARGE", pointer, "an embedded data: URI is over the size limit")
    try:
        payload = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
    return head[5:].removesuffix(";base64"), payload
