"""Every Khronos glTF-Validator negative case is refused with the validator's own code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from studio.gltf.errors import GltfError
from studio.gltf.io import load, open_checked
from studio.gltf.validate import validate

CASES = sorted((Path(__file__).resolve().parents[2] / "data" / "invalid" / "validator").glob("*.report.json"))


def _expected(report_path: Path) -> list[str]:
    report = json.loads(report_path.read_text())
    return [m["code"] for m in report["issues"]["messages"] if m["severity"] == 0]


def _our_errors(path: Path) -> list[str]:
    try:
        doc = load(path)
    except GltfError as exc:
        return [i.code for i in exc.issues if i.severity == "error"]
    return [i.code for i in validate(doc).errors]


def test_all_cases_present() -> None:
    assert len(CASES) == 27


@pytest.mark.parametrize("report_path", CASES, ids=lambda p: p.name.removesuffix(".report.json"))
def test_refused_with_the_validator_code(report_path: Path) -> None:
    model = report_path.with_name(report_path.name.removesuffix(".report.json"))
    expected = _expected(report_path)
    with pytest.raises(GltfError) as info:
        open_checked(model)
    assert info.value.code == expected[0]
    assert set(expected) <= set(_our_errors(model))
    assert expected[0] in str(info.value)


def test_vrm_without_vrm_extension_is_refused() -> None:
    path = CASES[0].parents[1] / "vrm" / "addon_broken_empty.vrm"
    with pytest.raises(GltfError) as info:
        open_checked(path)
    assert info.value.code == "VRM_EXTENSION_MISSING"
