"""Mutation fuzzing of the read path: bit flips, truncation, chunk-length edits and JSON edits on
valid seed files, each fed through read -> validate -> parse_vrm -> summarize -> resolve_bone.
Anything but a StudioError escaping is a bug. Shared by the hypothesis test and bench/fuzz_parser.py.
"""

from __future__ import annotations

import json
import random
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from studio.domain.errors import StudioError
from studio.gltf.glb import CHUNK_HEADER, HEADER, pack_glb
from studio.gltf.inspect import summarize
from studio.gltf.io import read_glb
from studio.gltf.limits import Limits
from studio.gltf.validate import validate
from studio.gltf.vrm import parse_vrm, resolve_bone
from studio.services.edit_plan import ItemSource
from studio.services.editor import AvatarEditor
from tests.unit.gltf.seeds import make_avatar

SAMPLES = Path(__file__).resolve().parents[2] / "data" / "samples"
#: caps small enough that a mutated count cannot make one input take seconds
FUZZ_LIMITS = Limits(max_glb_bytes=4 * 2**20, max_vrm_bytes=4 * 2**20, max_json_bytes=2**20, max_issues=200)
_INTERESTING: tuple[Any, ...] = (
    0,
    -1,
    1,
    2**31 - 1,
    2**32,
    2**63,
    -(2**63),
    10**30,
    1e308,
    -0.0,
    0.5,
    "",
    "x",
    None,
    True,
    [],
    {},
    [0],
    {"a": 1},
    "data:image/png;base64,AAAA",
    "http://127.0.0.1/x",
    "../x.bin",
    5126,
    5125,
    "VEC3",
    "MAT4",
)


def seed_files() -> list[bytes]:
    seeds = [
        make_avatar(vertices=64, morphs=2, texture_size=8, textures=1, vrm="1.0"),
        make_avatar(vertices=64, morphs=1, texture_size=8, textures=1, vrm="0", image_format="JPEG"),
        make_avatar(vertices=36, morphs=0, texture_size=8, textures=0, vrm=None),
    ]
    for name in (
        "vrm0/addon_simple_morph_vrm0.vrm",
        "vrm1/VRMC_vrm_expressions_isBinary_Overrides.vrm",
        "gltf/BoxTextured.glb",
        "gltf/AnimatedMorphCube.glb",
    ):
        seeds.append((SAMPLES / name).read_bytes())
    return seeds


def exercise_edit(data: bytes, name: str, items: ItemSource | None = None) -> str:
    """The editor and export path, for an input the validator accepts (``wardrobe add`` then
    ``export --meta``): list what can be edited, tint the first material, set the first morph, scale
    the first bone, equip hair where there is a head, export the runtime GLB and the source VRM (a
    0.x one migrated too). Returns "refused" (not opened), "denied" (a StudioError after opening:
    the licence, an undecodable texture) or "ok". Anything else escaping is a bug."""
    try:
        editor = AvatarEditor.open(data, items=items, limits=FUZZ_LIMITS, name=name)
    except StudioError:
        return "refused"
    try:
        metadata = _edits(editor, hair=items is not None)
        if metadata:
            editor.apply(metadata)
        editor.export_runtime("web")
        if editor.info.is_vrm:
            editor.export_source()
        if editor.info.version == "0.x":
            editor.migrate_vrm1()
    except StudioError:
        return "denied"
    return "ok"


def _edits(editor: AvatarEditor, *, hair: bool) -> dict[str, Any]:
    """What a user does first: one tint, one morph, one bone proportion, a library hair."""
    meta: dict[str, Any] = {}
    materials, morphs, bones = editor.materials(), editor.morphs(), editor.bones()
    if materials:
        meta["materials"] = {materials[0].name: {"tint": "#3a7d4e"}}
    if morphs and morphs[0].name:
        meta["faceMorphs" if morphs[0].group == "face" else "bodyMorphs"] = {morphs[0].name: 0.5}
    if bones:
        meta["boneTransforms"] = {bones[0].bone: {"x": 1.2}}
    if hair and "head" in editor.info.humanoid:
        meta["hair"] = "fem-long-03"
    return meta


def exercise(data: bytes, name: str = "fuzz.vrm") -> str:
    """Run the whole read path; return "ok", "invalid" or "refused"."""
    try:
        doc = read_glb(data, FUZZ_LIMITS, name=name)
    except StudioError:
        return "refused"
    report = validate(doc, FUZZ_LIMITS)
    info = parse_vrm(doc)
    summarize(doc, report, info)
    for bone in ("hips", "J_Bip_L_UpperArm", "leftThumbProximal"):
        resolve_bone(info, bone)
    return "ok" if report.ok else "invalid"


# --- mutations --------------------------------------------------------------------------------


def _bit_flips(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 8)):
        pos = rng.randrange(len(data))
        data[pos] ^= 1 << rng.randrange(8)


def _byte_sets(data: bytearray, rng: random.Random) -> None:
    for _ in range(rng.randint(1, 4)):
        data[rng.randrange(len(data))] = rng.choice((0, 0xFF, 0x7F, 0x80, rng.randrange(256)))


def _truncate(data: bytearray, rng: random.Random) -> None:
    del data[rng.randrange(len(data)) :]


def _splice(data: bytearray, rng: random.Random) -> None:
    start = rng.randrange(len(data))
    if rng.random() < 0.5:
        del data[start : start + rng.randint(1, 64)]
    else:
        data[start:start] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 16)))


def _lengths(data: bytearray, rng: random.Random) -> None:
    """Edit the declared total length or a chunk length (the GLB fields parsers trust)."""
    if len(data) < 20:
        return
    json_len = struct.unpack_from("<I", data, 12)[0]
    fields = [8, 12]
    bin_header = 20 + json_len
    if bin_header + 8 <= len(data):
        fields.append(bin_header)
    value = rng.choice((0, 1, 3, 0xFFFFFFFF, 0x7FFFFFFF, len(data), len(data) + 4, rng.randrange(2**32)))
    struct.pack_into("<I", data, rng.choice(fields), value)


def _json_edit(data: bytearray, rng: random.Random) -> None:
    try:
        length = struct.unpack_from("<I", data, 12)[0]
        tree = json.loads(bytes(data[20 : 20 + length]))
        bin_start = 20 + length + CHUNK_HEADER.size
        bin_data = bytes(data[bin_start:]) if len(data) > bin_start else b""
    except (ValueError, struct.error):
        return _bit_flips(data, rng)
    for _ in range(rng.randint(1, 3)):
        _edit_tree(tree, rng)
    try:
        out = pack_glb(tree, bin_data) if isinstance(tree, dict) else bytes(data)
    except (ValueError, TypeError):
        return None
    data[:] = out
    return None


def _edit_tree(tree: Any, rng: random.Random) -> None:
    parent: Any = None
    key: Any = None
    node = tree
    for _ in range(rng.randint(1, 8)):
        if isinstance(node, dict) and node:
            parent, key = node, rng.choice(list(node))
        elif isinstance(node, list) and node:
            parent, key = node, rng.randrange(len(node))
        else:
            break
        node = parent[key]
    if parent is None:
        return
    op = rng.randrange(4)
    if op == 0:
        parent[key] = rng.choice(_INTERESTING)
    elif op == 1 and isinstance(parent, dict):
        del parent[key]
    elif op == 2 and isinstance(node, int) and not isinstance(node, bool):
        parent[key] = node + rng.choice((-1, 1, 2**32, -(2**40), 7))
    else:
        parent[key] = parent[rng.choice(list(parent))] if isinstance(parent, dict) else rng.choice(parent)


MUTATIONS: tuple[Callable[[bytearray, random.Random], None], ...] = (
    _bit_flips,
    _byte_sets,
    _truncate,
    _splice,
    _lengths,
    _json_edit,
    _json_edit,
    _json_edit,
)


def mutate_json(seed: bytes, rng: random.Random) -> bytes:
    """JSON edits only: type confusion in fields the validator may let through (most byte-level
    mutations are refused at the container, so they rarely reach the editor)."""
    data = bytearray(seed)
    for _ in range(1 if rng.random() < 0.7 else 2):  # more edits: nearly all refused
        _json_edit(data, rng)
    return bytes(data)


def mutate(seed: bytes, rng: random.Random) -> bytes:
    data = bytearray(seed)
    for _ in range(rng.randint(1, 3)):
        if not data:
            break
        rng.choice(MUTATIONS)(data, rng)
    return bytes(data)


assert HEADER.size == 12
