"""Style presets and the portrait prompt template (seed 000).

The seed's template wraps whatever the user typed:
``professional game avatar, {prompt}, portrait style, clean background``. A style preset adds its
own words right after the user's prompt, so the framing words stay at the ends. The preset's name
is recorded with the job; its words are resolved when the job is submitted.

Built-in presets: cyberpunk, fantasy, minimalist. User-defined presets live in ``styles.json`` in
the config dir (``{"styles": {"noir": "film noir, high contrast black and white"}}``); a user
preset with a built-in's name replaces it for that user.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from studio.domain.errors import InvalidInputError, NotFoundError

PROMPT_TEMPLATE = "professional game avatar, {prompt}, portrait style, clean background"
MAX_PROMPT_CHARS = 500
MAX_STYLE_CHARS = 300
STYLES_FILE = "styles.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")


@dataclass(frozen=True)
class StylePreset:
    name: str
    words: str
    builtin: bool = False


BUILTIN_PRESETS: tuple[StylePreset, ...] = (
    StylePreset("cyberpunk", "cyberpunk style, neon rim light, chrome implants, rain-lit city glow", True),
    StylePreset("fantasy", "high fantasy style, ornate armour, painterly detail, soft magical light", True),
    StylePreset("minimalist", "minimalist flat style, simple shapes, limited palette, bold silhouette", True),
)


def validate_style_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.match(name):
        raise InvalidInputError(
            f"style name {name!r} must be 1-32 lower-case letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def _validate_words(name: str, words: object) -> str:
    if not isinstance(words, str) or not words.strip():
        raise InvalidInputError(f"style {name!r} needs its prompt words as a non-empty string")
    words = " ".join(words.split())
    if len(words) > MAX_STYLE_CHARS:
        raise InvalidInputError(f"style {name!r} is longer than {MAX_STYLE_CHARS} characters")
    return words


class PresetCatalog:
    """Built-in presets plus the user's own, looked up by name."""

    def __init__(self, user: Mapping[str, str] | None = None) -> None:
        self._presets = {p.name: p for p in BUILTIN_PRESETS}
        for name, words in (user or {}).items():
            name = validate_style_name(name)
            self._presets[name] = StylePreset(name, _validate_words(name, words))

    def names(self) -> list[str]:
        return sorted(self._presets)

    def all(self) -> list[StylePreset]:
        return [self._presets[n] for n in self.names()]

    def get(self, name: str) -> StylePreset:
        try:
            return self._presets[name.strip().lower()]
        except KeyError:
            raise NotFoundError(f"unknown style {name!r}; available: {', '.join(self.names())}") from None


def clean_prompt(prompt: str) -> str:
    """Collapse whitespace and enforce the length limit; an empty prompt is refused."""
    prompt = " ".join(prompt.split())
    if not prompt:
        raise InvalidInputError("describe the avatar: the prompt is empty")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise InvalidInputError(f"the prompt is {len(prompt)} characters; the limit is {MAX_PROMPT_CHARS}")
    return prompt


def expand_prompt(prompt: str, style: StylePreset | None = None) -> str:
    """The full text sent to the model: the seed's template around the prompt and style words."""
    body = clean_prompt(prompt)
    if style is not None:
        body = f"{body}, {style.words}"
    return PROMPT_TEMPLATE.format(prompt=body)


def parse_user_presets(text: str, source: str = STYLES_FILE) -> dict[str, str]:
    """Parse the text of ``styles.json`` (the caller reads the file; the domain does no I/O)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise InvalidInputError(f"the styles file {source} is not valid JSON: {exc}") from exc
    styles = data.get("styles") if isinstance(data, dict) else None
    if not isinstance(styles, dict):
        raise InvalidInputError(f'the styles file {source} needs an object {{"styles": {{"name": "words"}}}}')
    return {validate_style_name(str(k)): _validate_words(str(k), v) for k, v in styles.items()}


def dump_user_presets(styles: Mapping[str, str]) -> bytes:
    """The bytes of ``styles.json`` for ``styles`` (written atomically by the caller)."""
    return json.dumps({"styles": dict(sorted(styles.items()))}, indent=2, ensure_ascii=False).encode("utf-8")
