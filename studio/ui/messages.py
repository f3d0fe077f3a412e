"""Failures in plain words: the one place that turns an exception into what the user reads.

A bad avatar file is refused by ``studio.gltf`` with a validator code (``GLB_INVALID_MAGIC``,
``FILE_TOO_LARGE``...) and a developer's sentence. :func:`friendly` maps the codes people actually
run into to a sentence about *their* file ("This is a PNG image, not a VRM/GLB avatar") and keeps
the technical text in ``details`` (for a tooltip) and the code at the end of ``line``. Errors
without a mapping keep their own message; anything that is not a ``StudioError`` is a bug and
gets a short note (the log has the traceback).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from studio.domain.errors import CancelledError, StudioError

#: file signatures people drop on the wardrobe by mistake, by their first bytes
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"RIFF", "a WebP image (or another RIFF file)"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Kayd", "an FBX model"),
    (b"<", "a text or web page file"),
    (b"o ", "an OBJ model"),
)
INCOMPLETE = "The file is incomplete (maybe the download was cut short)."
FIXED: dict[str, str] = {
    "GLB_UNEXPECTED_END_OF_CHUNK_DATA": INCOMPLETE,
    "GLB_UNEXPECTED_END_OF_CHUNK_HEADER": INCOMPLETE,
    "GLB_LENGTH_MISMATCH": "The file's length does not match its header: it is incomplete or damaged.",
    "GLB_INVALID_VERSION": "This GLB file uses an unknown container version; only glTF 2.0 can be read.",
    "UNKNOWN_ASSET_MAJOR_VERSION": "This model was made for a glTF version the studio cannot read.",
    "GLB_MISSING_JSON_CHUNK": "The file is damaged: it has no model description inside.",
    "INVALID_JSON": "The file is damaged: its model description cannot be read.",
    "JSON_TOO_LARGE": "The file's model description is too large to be read safely.",
    "VRM_EXTENSION_MISSING": (
        "This is a plain 3D model, not a VRM avatar: it has no VRM information (skeleton mapping, "
        "expressions, licence). Convert it to VRM first, e.g. with the VRM add-on for Blender or UniVRM."
    ),
    "VRM_SPEC_VERSION_MISSING": "This VRM file does not say which VRM version it follows.",
    "VRM_SPEC_VERSION_UNKNOWN": "This VRM file follows a VRM version the studio does not know.",
    "VRM_HUMANOID_REQUIRED_BONE_MISSING": "The avatar's skeleton lacks a bone every VRM avatar must have.",
    "DATA_URI_TOO_LARGE": "The file embeds a picture or buffer that is over the size limit.",
    "FAL_KEY_MISSING": (
        "No Fal key is set up yet. Open File ▸ Settings… and enter your Fal key (or a Fal proxy "
        "URL), or start the studio with the FAL_KEY environment variable."
    ),
    "KEYRING_UNAVAILABLE": (
        "This computer has no password store (OS keyring) the studio can use, so the secret was not "
        "saved. Start the studio with it in an environment variable instead (FAL_KEY for the Fal key, "
        "AWS_SECRET_ACCESS_KEY for the S3 secret key); secrets are never written to files."
    ),
}


@dataclass(frozen=True)
class Friendly:
    """``text``: plain words; ``details``: the technical message (for a tooltip or a details
    box; empty when there is nothing more); ``code``: the error code when it adds anything."""

    text: str
    details: str = ""
    code: str = ""

    @property
    def line(self) -> str:
        """One line for a label: the plain words, the technical code at the end."""
        return f"{self.text} [{self.code}]" if self.code else self.text


def friendly(error: BaseException) -> Friendly:
    if isinstance(error, CancelledError):
        return Friendly("Cancelled.")
    if not isinstance(error, StudioError):
        return Friendly(
            f"Something went wrong inside the studio ({type(error).__name__}); details are in the log."
        )
    code = getattr(error, "code", "") or ""
    detail = str(getattr(error, "detail", "") or error)
    text = _file_text(code, detail)
    if text is None:
        return Friendly(str(error))
    name = _FILE_NAME.match(detail)
    return Friendly(f"{name.group(1)}: {text}" if name else text, details=str(error), code=code)


_FILE_NAME = re.compile(r"^(?:.*[/\\])?([^/\\:]+\.\w{1,5})(?::| is )")


def _file_text(code: str, detail: str) -> str | None:
    if code == "GLB_INVALID_MAGIC":
        kind = file_kind(_magic_bytes(detail))
        if kind:
            return f"This is {kind}, not a VRM/GLB avatar."
        return "This is not a VRM/GLB avatar: the file does not start the way one does."
    if code == "GLB_UNEXPECTED_END_OF_HEADER":
        return "The file is empty or incomplete (maybe the download was cut short)."
    if code == "FILE_TOO_LARGE":
        return too_large_text(detail)
    if code == "FILE_UNREADABLE":
        reason = detail.rsplit("(", 1)[-1].rstrip(")") if "(" in detail else ""
        return f"The file cannot be read{f' ({reason})' if reason else ''}."
    return FIXED.get(code)


def file_kind(head: bytes) -> str | None:
    """What kind of file starts with ``head`` (a few bytes), among the usual mix-ups."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _magic_bytes(detail: str) -> bytes:
    """The file's first four bytes from "Invalid GLB magic value (0x474e5089)." (little-endian)."""
    match = re.search(r"0x([0-9a-fA-F]{8})", detail)
    return int(match.group(1), 16).to_bytes(4, "little") if match else b""


_SIZE = re.compile(r"([\d.]+) (MB|bytes); the limit is ([\d.]+) (MB|bytes)")


def too_large_text(detail: str) -> str:
    """The size refusal in MB, as file managers show sizes: "x.vrm is 120000000 bytes; the
    limit is 104857600 bytes" -> "The file is too large: 114 MB — the limit is 100 MB."."""
    match = _SIZE.search(detail)
    if not match:
        return "The file is too large to open."
    size, limit = (_mb(match.group(1), match.group(2)), _mb(match.group(3), match.group(4)))
    return f"The file is too large: {size} — the limit is {limit}."


def _mb(number: str, unit: str) -> str:
    value = float(number) / (2**20 if unit == "bytes" else 1)
    return f"{value:.0f} MB" if value >= 10 else f"{value:.1f} MB"


def local_time(when: datetime, now: datetime | None = None) -> str:
    """A moment in the user's local time, the way people say it: "today at 17:05", "tomorrow at
    05:54", "on Tue 3 Dec at 09:00"."""
    when = when.astimezone()
    now = (now or datetime.now(when.tzinfo)).astimezone()
    days = (when.date() - now.date()).days
    clock = when.strftime("%H:%M")
    if days == 0:
        return f"today at {clock}"
    if days == 1:
        return f"tomorrow at {clock}"
    if 1 < days < 7:
        return f"on {when.strftime('%A')} at {clock}"
    return f"on {when.strftime('%a')} {when.day} {when.strftime('%b')} at {clock}"


def wait_text(delta: timedelta) -> str:
    """A short duration in words: "in 3 h 12 min", "in 4 min"."""
    minutes = max(1, int(delta.total_seconds() // 60) + (1 if delta.total_seconds() % 60 else 0))
    hours, minutes = divmod(minutes, 60)
    return f"in {hours} h {minutes} min" if hours else f"in {minutes} min"
