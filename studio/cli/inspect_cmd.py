"""``studio inspect FILE [--json]`` and ``studio validate FILE... [--json]``.

Exit status: 0 valid (warnings allowed), 1 invalid or unreadable, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from studio.gltf.errors import GltfError
from studio.gltf.inspect import Summary, summarize
from studio.gltf.io import load
from studio.gltf.limits import Limits
from studio.gltf.validate import ValidationReport, validate


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("inspect", help="show what is inside a GLB/VRM/glTF file")
    p.add_argument("file", type=Path)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run_inspect)
    v = sub.add_parser("validate", help="check GLB/VRM/glTF files; exit 1 if any is invalid")
    v.add_argument("files", type=Path, nargs="+", metavar="FILE")
    v.add_argument("--json", action="store_true", help="Khronos-style JSON reports")
    v.set_defaults(func=run_validate)


def _limits() -> Limits:
    """The size caps from settings (``max_glb_bytes``/``max_vrm_bytes``)."""
    from studio.app import open_studio

    return open_studio().limits


def run_inspect(args: argparse.Namespace) -> int:
    try:
        doc = load(args.file, _limits())
    except GltfError as exc:
        return _refused(args, args.file, exc)
    report = validate(doc)
    summary = summarize(doc, report)
    if args.json:
        print(json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    else:
        print(format_summary(summary))
    return 0 if report.ok else 1


def run_validate(args: argparse.Namespace) -> int:
    results: list[dict[str, Any]] = []
    status = 0
    limits = _limits()
    for path in args.files:
        try:
            report = validate(load(path, limits), limits)
            entry = report.to_dict()
        except GltfError as exc:
            report = None
            entry = _error_dict(exc)
        entry["uri"] = str(path)
        results.append(entry)
        ok = report is not None and report.ok
        status = status if ok else 1
        if not args.json:
            _print_validation(path, report, entry)
    if args.json:
        print(json.dumps(results if len(results) > 1 else results[0], indent=2))
    return status


def _refused(args: argparse.Namespace, path: Path, exc: GltfError) -> int:
    if args.json:
        print(json.dumps({"uri": str(path), "valid": False, **_error_dict(exc)}, indent=2, sort_keys=True))
    else:
        print(f"{path}: refused", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
    return 1


def _error_dict(exc: GltfError) -> dict[str, Any]:
    issues = exc.issues
    counts = {s: sum(1 for i in issues if i.severity == s) for s in ("error", "warning", "info")}
    return {
        "issues": {
            "numErrors": counts["error"],
            "numWarnings": counts["warning"],
            "numInfos": counts["info"],
            "numHints": 0,
            "messages": [i.to_dict() for i in issues],
            "truncated": False,
        }
    }


def _print_validation(path: Path, report: ValidationReport | None, entry: dict[str, Any]) -> None:
    issues = entry["issues"]
    verdict = "valid" if report is not None and report.ok else "INVALID"
    print(f"{path}: {verdict} ({issues['numErrors']} errors, {issues['numWarnings']} warnings)")
    for m in issues["messages"]:
        severity = {0: "error", 1: "warning", 2: "info"}[m["severity"]]
        where = f"byte {m['offset']}" if "offset" in m else (m.get("pointer") or "/")
        print(f"  {severity}: {m['code']} at {where}: {m['message']}")


def _size(n: int) -> str:
    return f"{n / 2**20:.2f} MB" if n >= 2**20 else f"{n / 1024:.1f} KB" if n >= 1024 else f"{n} B"


def format_summary(s: Summary) -> str:
    lines = [
        f"{s.name}: {s.format} (glTF {s.gltf_version or '?'}{', ' + s.generator if s.generator else ''})",
        "  size:        " + ", ".join(f"{k} {_size(v)}" for k, v in s.sizes.items()),
        f"  meshes:      {s.meshes} ({s.primitives} primitives)",
        f"  vertices:    {s.vertices:,}",
        f"  triangles:   {s.triangles:,}",
        f"  morphs:      {s.morph_targets}",
        f"  materials:   {s.materials}",
        f"  textures:    {len(s.textures)}",
    ]
    lines += [
        f"    #{t.index}: {t.mime_type or 'unknown'} {t.width}x{t.height}, {_size(t.bytes)}"
        for t in s.textures
    ]
    lines.append(
        f"  nodes:       {s.nodes}; skins {s.skins}, joints {s.joints}, humanoid bones {s.humanoid_bones}"
    )
    if s.expressions:
        lines.append(f"  expressions: {', '.join(s.expressions)}")
    if s.vrm:
        v = s.vrm
        lines.append(
            f"  title:       {v['title'] or '-'} {v['model_version']} by {', '.join(v['authors']) or '-'}"
        )
        lines.append(
            f"  licence:     {v['license'] or v['license_url'] or '-'}; modification "
            f"{'allowed' if v['allow_modification'] else 'prohibited'}, redistribution "
            f"{'allowed' if v['allow_redistribution'] else 'prohibited'}, "
            f"commercial {v['commercial_usage']}, credit {v['credit_notation']}"
        )
        flags = [k for k in ("spring_bones", "mtoon", "look_at", "first_person") if v[k]]
        lines.append(f"  features:    {', '.join(flags) or '-'}")
    if s.extensions:
        lines.append(f"  extensions:  {', '.join(s.extensions)}")
    lines += [f"  {w}" for w in (*s.errors, *s.warnings)]
    lines.append("  valid" if s.valid else "  INVALID")
    return "\n".join(lines)
