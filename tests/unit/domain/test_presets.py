from __future__ import annotations

import pytest

from studio.domain.errors import InvalidInputError, NotFoundError
from studio.domain.presets import PresetCatalog, dump_user_presets, expand_prompt, parse_user_presets


def test_template_wraps_the_prompt_and_style() -> None:
    catalog = PresetCatalog()
    assert expand_prompt("  red  knight ") == (
        "professional game avatar, red knight, portrait style, clean background"
    )
    full = expand_prompt("red knight", catalog.get("Fantasy"))
    assert full.startswith("professional game avatar, red knight, high fantasy style")
    assert full.endswith(", portrait style, clean background")


def test_builtins_and_user_presets() -> None:
    catalog = PresetCatalog({"noir": "film noir, high contrast", "fantasy": "my own fantasy"})
    assert {"cyberpunk", "fantasy", "minimalist", "noir"} <= set(catalog.names())
    assert catalog.get("fantasy").words == "my own fantasy" and not catalog.get("fantasy").builtin
    with pytest.raises(NotFoundError, match="available: cyberpunk"):
        catalog.get("steampunk")


def test_styles_file_round_trip_and_errors() -> None:
    text = dump_user_presets({"noir": "film noir"}).decode()
    assert parse_user_presets(text) == {"noir": "film noir"}
    with pytest.raises(InvalidInputError, match="not valid JSON"):
        parse_user_presets("{nope")
    with pytest.raises(InvalidInputError, match="style name"):
        parse_user_presets('{"styles": {"Bad Name!": "x"}}')
    with pytest.raises(InvalidInputError, match="non-empty"):
        parse_user_presets('{"styles": {"empty": ""}}')


def test_prompt_limits() -> None:
    with pytest.raises(InvalidInputError, match="empty"):
        expand_prompt("   ")
    with pytest.raises(InvalidInputError, match="limit"):
        expand_prompt("x" * 501)
