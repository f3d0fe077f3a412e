"""The studio's own rules on top of glTF: every byte must be inside the file. Run last, so the
first error of a report is the glTF finding when there is one."""

from __future__ import annotations

from studio.gltf.validate.context import Context


def check_sources(ctx: Context) -> None:
    for i, buf in ctx.entries("buffers"):
        uri = buf.get("uri")
        pointer = f"/buffers/{i}"
        if isinstance(uri, str) and not uri.startswith("data:"):
            _refuse(ctx, f"{pointer}/uri", uri)
        elif isinstance(uri, str) and i not in ctx.doc.uri_buffers:
            ctx.out.error("INVALID_URI", f"{pointer}/uri", "Invalid URI: not a base64 data: URI.")
        elif uri is None and ctx.doc.container != "glb":
            ctx.out.error(
                "BUFFER_DATA_MISSING",
                pointer,
                "Buffer has neither a uri nor GLB data: the studio needs every byte inside the file.",
            )
    for i, image in ctx.entries("images"):
        uri = image.get("uri")
        if isinstance(uri, str) and not uri.startswith("data:"):
            _refuse(ctx, f"/images/{i}/uri", uri)


def _refuse(ctx: Context, pointer: str, uri: str) -> None:
    shown = uri if len(uri) <= 60 else uri[:57] + "..."
    ctx.out.error(
        "EXTERNAL_URI_REFUSED",
        pointer,
        f"External reference {shown!r} refused: the studio never opens or fetches files or URLs "
        "named inside a model; embed the data (GLB or data: URI).",
    )
