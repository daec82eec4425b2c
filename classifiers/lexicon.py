"""Per-language word lists of signals and of traps, matched on normalised text.

The lists live in ``classifiers/lexicons/<lang>.tsv`` as ``tag<TAB>term`` lines.
A tag is a taxonomy category (a signal word) or a cue: ``negation``, ``calm``,
``past`` (commemoration, anniversaries), ``hearsay``, ``imminent``,
``figurative`` (sport, songs), ``aid`` (humanitarian requests), ``notice``
(meetings, trainings and invitations announced, even when they name the police),
``daily`` (family news, prices, weather, health, school: everyday chatter),
``weapon`` (guns, machetes, explosives) and ``injury`` (wounded, bleeding,
broken bones), the last two separating a clash or an armed robbery from a
dispute or a theft.

A term matches from the start of a word. Latin-script terms match whole words
unless they end in ``*`` ("kill*" finds "killed", "mare" does not find
"marefu"); Arabic and Devanagari terms may go on into the word, which carries
pronoun suffixes and Nepali postpositions, and Arabic ones may follow the
clitics و ف ب ل ك ال. A leading ``~`` lets a term start inside a word too
(Swahili and Hausa put subject and tense prefixes before the verb:
"wa-me-uawa"). A leading ``!`` marks a strong word for a severe category
("killed", "raped", "kidnapped"): such a word, with no trap cue beside it, is
never dismissed without review.

The lexicon is stored inside each model version, so a model keeps behaving as
it was evaluated even when the files change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from classifiers.taxonomy import PRECEDENCE
from classifiers.text import normalise

LEXICON_DIR = Path(__file__).parent / "lexicons"
CUES: tuple[str, ...] = ("negation", "calm", "past", "hearsay", "imminent", "figurative", "aid", "notice", "daily", "weapon", "injury")
TAGS: tuple[str, ...] = tuple(c for c in PRECEDENCE if c != "other") + CUES
# Words for these categories mean alert-worthy violence on their own.
SEVERE: frozenset[str] = frozenset({"attack_on_civilians", "sexual_violence", "abduction_disappearance", "armed_mobilisation", "displacement"})
# Cues that turn a severe word into something not to act on ("no one was killed", "we remember those killed",
# "peace meeting at the police post").
TRAPS: frozenset[str] = frozenset({"negation", "calm", "past", "figurative"})
FEATURES: tuple[str, ...] = TAGS + tuple(f"{cue}+severe" for cue in sorted(TRAPS))
_INDEX = {name: i for i, name in enumerate(FEATURES)}
_AR_CLITICS = "(?:و|ف|ب|ل|ك)?(?:ال|لل)?"
# Letters, digits and the combining marks that are part of a word (Devanagari vowel signs and virama,
# Arabic harakat) although ``\w`` does not count them: a term must not start after one of them.
_WORD_CHAR = r"[\w\u0900-\u0963\u0966-\u097f\u064b-\u065f\u0670]"
_IN_WORD = re.compile(_WORD_CHAR)


def read_lexicon_files(directory: Path = LEXICON_DIR) -> list[str]:
    """Every entry as ``lang<TAB>tag<TAB>term``, for storing inside a model."""
    entries: list[str] = []
    for path in sorted(directory.glob("*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            tag, _, term = line.partition("\t")
            if tag not in TAGS or not term.strip():
                raise ValueError(f"{path.name}:{number}: expected 'tag<TAB>term' with a tag in {', '.join(TAGS)}")
            entries.append(f"{path.stem}\t{tag}\t{term.strip()}")
    return entries


@dataclass(frozen=True)
class Hits:
    """What the lexicon found in one text."""

    terms: tuple[tuple[str, str, bool], ...]

    @property
    def tags(self) -> set[str]:
        """The tags hit, whatever the term."""
        return {tag for tag, _, _ in self.terms}

    @property
    def trapped(self) -> bool:
        """Whether a trap cue (negation, calm, commemoration, figurative speech) is present."""
        return bool(self.tags & TRAPS)

    @property
    def severe(self) -> list[str]:
        """Strong words of severe categories not defused by a trap cue in the same text."""
        if self.trapped:
            return []
        return [f"{tag}:{term}" for tag, term, strong in self.terms if strong and tag in SEVERE]

    def labels(self) -> list[str]:
        """Hits as ``tag:term`` strings, recorded with each signal."""
        return [f"{tag}:{term}" for tag, term, _ in self.terms]


def _trie_pattern(terms: Iterable[str]) -> str:
    """One regex alternation with shared prefixes factored out, so matching stays fast with thousands of terms."""
    trie: dict[str, Any] = {}
    for term in terms:
        node = trie
        for ch in term:
            node = node.setdefault(ch, {})
        node[""] = True

    def emit(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(trie)


class Lexicon:
    """All languages' lists compiled into two prefix-trie patterns (word start, inside a word)."""

    def __init__(self, entries: Iterable[str]) -> None:
        # term -> (tag, strong, may the word go on after it)
        self._terms: dict[str, set[tuple[str, bool, bool]]] = {}
        start: set[str] = set()
        inside: set[str] = set()
        for entry in entries:
            _lang, tag, raw = entry.split("\t")
            strong = raw.startswith("!")
            raw = raw.lstrip("!")
            anywhere = raw.startswith("~")
            term = normalise(raw.lstrip("~").rstrip("*"))
            if not term:
                continue
            goes_on = raw.endswith("*") or not term.isascii()
            (inside if anywhere else start).add(term)
            self._terms.setdefault(term, set()).add((tag, strong, goes_on))
        # Lookaheads find overlapping terms ("wa-meua-wa" holds both "meua" and "uawa").
        self._start = re.compile(rf"(?<!{_WORD_CHAR}){_AR_CLITICS}(?=({_trie_pattern(start)}))") if start else None
        self._inside = re.compile(f"(?=({_trie_pattern(inside)}))") if inside else None

    def find(self, text: str) -> Hits:
        """Hits in an already normalised text."""
        found: set[tuple[str, str, bool]] = set()
        for pattern in (self._start, self._inside):
            if pattern is None:
                continue
            for m in pattern.finditer(text):
                begin, matched = m.start(1), m.group(1)
                # The trie returns the longest term; shorter terms it starts with count too.
                for k in range(1, len(matched) + 1):
                    term = matched[:k]
                    if term not in self._terms:
                        continue
                    word_ends = begin + k >= len(text) or not _IN_WORD.match(text[begin + k])
                    found.update((tag, term, strong) for tag, strong, goes_on in self._terms[term] if goes_on or word_ends)
        order = {tag: i for i, tag in enumerate(TAGS)}
        return Hits(tuple(sorted(found, key=lambda h: (order[h[0]], h[1]))))

    def matrix(self, hits: Sequence[Hits]) -> np.ndarray:
        """One row per text: a column per tag (1 when hit), then a column per trap cue seen beside a severe word.

        The pairs let a linear model learn that "killed" next to "we remember"
        or "no one was" is not an attack, which single cues cannot express.
        """
        out = np.zeros((len(hits), len(FEATURES)), dtype=np.float32)
        for row, h in enumerate(hits):
            tags = h.tags
            for tag in tags:
                out[row, _INDEX[tag]] = 1.0
            if tags & SEVERE:
                for cue in tags & TRAPS:
                    out[row, _INDEX[f"{cue}+severe"]] = 1.0
        return out
