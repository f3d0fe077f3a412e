"""Prompt moderation: a blocked-terms filter that survives the usual evasions.

A prompt is normalised the way a reader would read it, then matched against the blocked terms
word by word (never as raw substrings, so "Scunthorpe", "classic" or "therapist" pass):

1. NFKC folds full-width and "mathematical" letters (``ｋｉｌｌ``, ``𝐤𝐢𝐥𝐥``) to ASCII;
   format characters (zero-width space/joiner, soft hyphen) are dropped; accents are stripped.
2. Case is folded and Unicode look-alikes (Cyrillic ``а``, Greek ``ο`` ...) map to Latin letters.
3. Leetspeak is undone (``n4z1`` -> ``nazi``); ``1`` and ``|`` are tried as both ``i`` and ``l``,
   and leet symbols are tried both as letters (``a$$``) and as punctuation (``kill!``).
4. The text splits into words on anything that is not a letter or digit. Runs of one- and
   two-letter words are joined (``k i l l``, ``k.i.l.l``, ``na zi``).
5. Letters repeated three or more times are squeezed (``kiiiill`` -> ``kill``, ``asssss`` -> ``ass``).

A term matches a word exactly or with a plain English inflection (``-s``, ``-es``, ``-ed``, ``-er``,
``-ers``, ``-ing``); multi-word terms match as a sequence of words or written together.
The default list is deliberately short; teams extend it with a text file (one term a line).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from studio.domain.errors import InvalidInputError, StudioError

DEFAULT_BLOCKED_TERMS: tuple[str, ...] = (
    # sexual content
    "nude", "naked", "nsfw", "porn", "porno", "pornographic", "hentai", "topless", "genitals",
    "sex", "sexy", "erotic", "fetish", "lingerie", "boobs", "penis", "vagina",
    # violence and gore
    "gore", "gory", "beheaded", "decapitated", "dismembered", "mutilated", "bloodbath",
    "rape", "rapist", "self harm",
    # hate symbols and profanity
    "nazi", "swastika", "kkk", "hitler", "white power", "fuck", "shit", "cunt", "whore", "slut",
)

# Look-alikes NFKC leaves alone (a practical subset of Unicode's confusables.txt).
CONFUSABLES: dict[str, str] = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s", "і": "i", "ї": "i", "ј": "j", "һ": "h",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ɡ": "g", "ո": "n", "ս": "u",
    # Greek
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
    "τ": "t", "υ": "u", "χ": "x", "ω": "w", "ς": "s", "σ": "o", "μ": "u",
    # Latin letters without a decomposition
    "ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ƒ": "f", "æ": "ae", "œ": "oe",
}

# Capitals whose lower-case form looks different (Greek Ν is an N, but ν reads as v): mapped first.
UPPER_CONFUSABLES: dict[str, str] = {
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n",
    "Ο": "o", "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x",
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c",
    "Т": "t", "Х": "x", "Ѕ": "s", "І": "i", "Ј": "j",
}

# Digits and symbols read as letters. Symbols are tried both as letters and as punctuation.
LEET_DIGITS: dict[str, str] = {"0": "o", "3": "e", "4": "a", "5": "s", "6": "g", "7": "t", "8": "b", "9": "g"}
LEET_SYMBOLS: dict[str, str] = {
    "@": "a", "$": "s", "€": "e", "£": "l", "!": "i", "+": "t", "(": "c", "¢": "c",
}
AMBIGUOUS_ONE = ("1", "|")  # read as "i" in one pass and as "l" in another

INFLECTIONS: tuple[str, ...] = ("", "s", "es", "ed", "er", "ers", "ing", "y")
MAX_JOINED_RUN = 40
BLOCKED_TERMS_FILE = "blocked_terms.txt"
_SPLIT = re.compile(r"[^a-z0-9]+")
_SQUEEZE_TO_ONE = re.compile(r"(.)\1{2,}")


class PromptRefusedError(StudioError):
    """The prompt contains a blocked term; the message says which one and what to do."""

    code = "PROMPT_REFUSED"

    def __init__(self, message: str, *, term: str) -> None:
        super().__init__(message)
        self.term = term


@dataclass(frozen=True)
class ModerationVerdict:
    allowed: bool
    term: str | None = None

    @property
    def reason(self) -> str:
        if self.allowed:
            return ""
        return (
            f'The prompt was refused by the content filter: it contains the blocked term "{self.term}" '
            "(spelling it with symbols, spaces or look-alike letters does not get past the filter). "
            "Describe the avatar differently and try again."
        )

    def raise_if_refused(self) -> None:
        if not self.allowed:
            raise PromptRefusedError(self.reason, term=self.term or "")


def _base_fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = "".join(UPPER_CONFUSABLES.get(ch, ch) for ch in text if unicodedata.category(ch) != "Cf")
    text = unicodedata.normalize("NFD", text.casefold())
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return "".join(CONFUSABLES.get(ch, ch) for ch in text)


def _readings(folded: str) -> Iterator[str]:
    """Every leet reading of an already folded text."""
    for one in ("i", "l"):
        for symbols_as_letters in (True, False):
            out = []
            for ch in folded:
                if ch in AMBIGUOUS_ONE:
                    out.append(one)
                elif ch in LEET_DIGITS:
                    out.append(LEET_DIGITS[ch])
                elif ch in LEET_SYMBOLS:
                    out.append(LEET_SYMBOLS[ch] if symbols_as_letters else " ")
                else:
                    out.append(ch)
            yield "".join(out)


def _squeezes(word: str) -> set[str]:
    return {word, _SQUEEZE_TO_ONE.sub(r"\1", word), _SQUEEZE_TO_ONE.sub(r"\1\1", word)}


def normalise_words(text: str) -> list[list[str]]:
    """The word lists of every reading of ``text`` (exposed for tests and the docs)."""
    folded = _base_fold(text)
    readings = []
    for reading in dict.fromkeys(_readings(folded)):
        readings.append([w for w in _SPLIT.split(reading) if w])
    return readings


def _candidates(words: list[str]) -> Iterator[str]:
    """Single words, plus every window inside a run of one- and two-letter words, joined."""
    yield from words
    run: list[str] = []
    for word in [*words, "   "]:  # sentinel flushes the last run
        if len(word) <= 2:
            run.append(word)
            continue
        run = run[-MAX_JOINED_RUN:]
        for start in range(len(run)):
            for end in range(start + 2, len(run) + 1):
                yield "".join(run[start:end])
        run = []


class BlockedTerms:
    """A set of blocked terms; :meth:`check` tells whether a prompt may be sent."""

    def __init__(self, terms: Iterable[str]) -> None:
        self._single: dict[str, str] = {}
        self._phrases: list[tuple[tuple[str, ...], str]] = []
        for term in terms:
            self._add(term)

    def _add(self, term: str) -> None:
        term = term.strip()
        if not term:
            return
        words = _SPLIT.split(_base_fold(term))
        words = [w for w in words if w]
        if not words:
            raise InvalidInputError(f"blocked term {term!r} has no letters or digits")
        for inflection in INFLECTIONS:
            self._single.setdefault("".join(words) + inflection, term)
        if len(words) > 1:
            self._phrases.append((tuple(words), term))

    def __len__(self) -> int:
        return len({term for term in self._single.values()})

    def check(self, prompt: str) -> ModerationVerdict:
        for words in normalise_words(prompt):
            for candidate in _candidates(words):
                for form in _squeezes(candidate):
                    if form in self._single:
                        return ModerationVerdict(False, self._single[form])
            term = self._phrase_in(words)
            if term:
                return ModerationVerdict(False, term)
        return ModerationVerdict(True)

    def _phrase_in(self, words: list[str]) -> str | None:
        squeezed = [_SQUEEZE_TO_ONE.sub(r"\1\1", w) for w in words]
        for phrase, term in self._phrases:
            size = len(phrase)
            for seq in (words, squeezed):
                for start in range(len(seq) - size + 1):
                    if tuple(seq[start : start + size]) == phrase:
                        return term
        return None


def parse_blocked_terms(text: str | None, *, include_defaults: bool = True) -> BlockedTerms:
    """The default terms plus those in ``text`` (one a line, ``#`` starts a comment).

    A line ``-term`` removes a default term (for teams whose game uses the word harmlessly).
    The caller reads the file (``blocked_terms.txt`` in the config dir); the domain does no I/O.
    """
    terms = list(DEFAULT_BLOCKED_TERMS) if include_defaults else []
    for raw in (text or "").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-"):
            removed = line[1:].strip().casefold()
            terms = [t for t in terms if t.casefold() != removed]
        elif line:
            terms.append(line)
    return BlockedTerms(terms)
