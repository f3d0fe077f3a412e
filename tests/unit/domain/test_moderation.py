"""The blocked-terms filter: evasions are refused, harmless prompts (Scunthorpe problem) pass."""

from __future__ import annotations

import pytest

from studio.domain.moderation import PromptRefusedError, parse_blocked_terms

FILTER = parse_blocked_terms(None)

# (prompt, the blocked term it must be read as)
EVASIONS = [
    ("NUDE elf", "nude"),  # case
    ("n u d e warrior", "nude"),  # spacing
    ("n.u.d.e warrior", "nude"),  # punctuation between letters
    ("n-a-z-i officer", "nazi"),
    ("na zi officer", "nazi"),  # split word
    ("n4z1 officer", "nazi"),  # leetspeak
    ("p0rn star", "porn"),
    ("sh!t armour", "shit"),
    ("sh1t armour", "shit"),
    ("$exy pirate", "sex"),  # "sexy" reads as sex + y
    ("nuuuuude elf", "nude"),  # repeated letters
    ("ｎｕｄｅ elf", "nude"),  # full-width (NFKC)
    ("𝐧𝐮𝐝𝐞 elf", "nude"),  # mathematical bold (NFKC)
    ("nаked elf", "naked"),  # Cyrillic а
    ("ΝΑΚΕD elf", "naked"),  # Greek capitals
    ("n\u200bude elf", "nude"),  # zero-width space
    ("nu\u00adde elf", "nude"),  # soft hyphen
    ("nüde elf", "nude"),  # accent
    ("f u c k this", "fuck"),
    ("whitepower banner", "white power"),  # multi-word term written together
    ("white   power banner", "white power"),
    ("hentai!", "hentai"),  # trailing punctuation
    ("nudes", "nude"),  # inflection
    ("$w@stika flag", "swastika"),
]

HARMLESS = [
    "Scunthorpe United striker",  # contains a blocked word inside a place name
    "classic therapist from Sussex",  # 'ass', 'rapist', 'sex' inside words
    "assassin with a glass dagger",
    "skilled analyst with a cocktail",
    "magna cum laude scholar",
    "grape farmer in Essex",
    "sextant navigator on a ship",
    "shiitake mushroom wizard",
    "knight in shining armour, 1990s anime style",
    "cyberpunk warrior 2077 with a red visor",
    "Agent 47 inspired assassin",
    "a b c d e f",
    "elf with a bow, not naughty",
    "Hitchcock-style detective",
]


@pytest.mark.parametrize(("prompt", "term"), EVASIONS)
def test_evasions_are_refused_with_the_term_named(prompt: str, term: str) -> None:
    verdict = FILTER.check(prompt)
    assert not verdict.allowed
    assert verdict.term == term
    assert term in verdict.reason and "try again" in verdict.reason


@pytest.mark.parametrize("prompt", HARMLESS)
def test_harmless_prompts_pass(prompt: str) -> None:
    verdict = FILTER.check(prompt)
    assert verdict.allowed, f"{prompt!r} was refused as {verdict.term!r}"


def test_refusal_raises_a_studio_error() -> None:
    with pytest.raises(PromptRefusedError, match="blocked term"):
        FILTER.check("p0rn").raise_if_refused()


def test_the_list_is_configurable() -> None:
    custom = parse_blocked_terms("# team list\ndragon slayer\n-nude\n")
    assert not custom.check("dr4g0n  sl4yer").allowed
    assert custom.check("nude elf").allowed  # removed by '-nude'
    assert not custom.check("naked elf").allowed  # other defaults stay
    only = parse_blocked_terms("goblin", include_defaults=False)
    assert not only.check("g0bl1n king").allowed and only.check("nude").allowed
