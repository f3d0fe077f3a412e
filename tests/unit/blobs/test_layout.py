from __future__ import annotations

import pytest

from studio.blobs import layout
from studio.domain.errors import InvalidInputError

SHA = "ab" + "c" * 62


def test_seed_004_keys() -> None:
    assert layout.avatar_key("u-1", "a-2", "glb") == "avatars/u-1/a-2.glb"
    assert layout.avatar_key("u-1", "a-2", "vrm") == "avatars/u-1/a-2.vrm"
    assert layout.avatar_key("u-1", "a-2", "webp") == "avatars/u-1/a-2.webp"
    assert layout.modifications_key("u-1", "a-2") == "modifications/u-1/a-2-mods.json"
    assert layout.thumbnail_key("default-fem-01") == "thumbnails/default-fem-01.webp"
    assert layout.prebuilt_key("default-fem-01") == "prebuilts/default-fem-01.glb"
    assert layout.hair_key("fem-long-01") == "hair/fem-long-01.glb"
    assert layout.clothing_key("tops-tshirt-01") == "clothing/tops-tshirt-01.glb"
    assert layout.generation_key("alice", "g1", 0) == "generations/alice/g1-0.png"


def test_object_keys_round_trip() -> None:
    key = layout.object_key(SHA)
    assert key == f"objects/sha256/ab/{'c' * 62}"
    assert layout.sha256_of_object_key(key) == SHA
    assert layout.sha256_of_object_key("avatars/u/a.glb") is None


@pytest.mark.parametrize("bad", ["..", "../etc", "a/b", "", ".hidden", "x" * 200])
def test_path_segments_cannot_escape(bad: str) -> None:
    with pytest.raises(InvalidInputError):
        layout.avatar_key(bad, "a", "glb")


def test_unknown_kind_and_bad_digest_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        layout.avatar_key("u", "a", "exe")
    with pytest.raises(InvalidInputError):
        layout.object_key("not-a-digest")


def test_only_prebuilts_are_public() -> None:
    assert layout.is_public("prebuilts/default-fem-01.glb")
    assert not layout.is_public("avatars/u/a.glb")
    assert not layout.is_public("prebuilts/x.glb", public_prefix="")
