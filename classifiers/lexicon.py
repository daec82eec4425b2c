"""Per-language word lists of signals and of traps, matched on normalised text.

The lists live in ``classifiers/lexicons/<lang>.tsv`` as ``tag<TAB>term`` lines.
A tag is a taxonomy category (a signal word) or a cue: ``negation``, ``calm``,
``past`` (commemoration, anniversaries), ``hearsay``, ``imminent``,
``figurative`` (sport, songs) and ``aid`` (humanitarian requests). A term
matches at the start of a word (so "kill" finds "killed"); a term written with
a leading ``~`` matches inside a word too (Swahili and Hausa put subject and
tense prefixes before the verb: "wa-me-uawa"). Arabic terms also match after
the clitics و ف ب ل ك ال.

The lexicon is stored inside each model version, so a model keeps behaving as
it was evaluated even when the files change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from classifiers.taxonomy import PRECEDENCE
from classifiers.text import normalise

LEXICON_DIR = Path(__file__).parent / "lexicons"
CUES: tuple[str, ...] = ("negation", "calm", "past", "hearsay", "imminent", "figurative", "aid")
TAGS: tuple[str, ...] = tuple(c for c in PRECEDENCE if c != "other") + CUES
# Words for these categories mean alert-worthy violence on their own.
SEVERE: frozenset[str] = frozenset({"attack_on_civilians", "sexual_violence", "abduction_disappearance", "armed_mobilisation", "displacement"})
# Cues that turn a severe word into something not to act on ("no one was killed", "we remember those killed").
TRAPS: frozenset[str] = frozenset({"negation", "calm", "past", "figurative"})
_AR_CLITICS = "(?:و|ف|ب|ل|ك)?(?:ال|لل)?"


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

    terms: tuple[tuple[str, str], ...]

    @property
    def tags(self) -> set[str]:
        return {tag for tag, _ in self.terms}

    @property
    def severe(self) -> list[str]:
        """Severe signal words not defused by a trap cue in the same text."""
        if self.tags & TRAPS:
            return []
        return [f"{tag}:{term}" for tag, term in self.terms if tag in SEVERE]

    def labels(self) -> list[str]:
        """Hits as ``tag:term`` strings, recorded with each signal."""
        return [f"{tag}:{term}" for tag, term in self.terms]


class Lexicon:
    """All languages' lists compiled into one pattern per tag."""

    def __init__(self, entries: Iterable[str]) -> None:
        by_tag: dict[str, list[str]] = {tag: [] for tag in TAGS}
        for entry in entries:
            _lang, tag, term = entry.split("\t")
            by_tag[tag].append(term)
        self._patterns: list[tuple[str, re.Pattern[str]]] = []
        for tag in TAGS:
            alternatives = sorted({self._pattern(t) for t in by_tag[tag] if normalise(t.lstrip("~"))}, key=len, reverse=True)
            if alternatives:
                self._patterns.append((tag, re.compile("|".join(alternatives))))

    @staticmethod
    def _pattern(term: str) -> str:
        inside = term.startswith("~")
        body = re.escape(normalise(term.lstrip("~"))).replace(r"\ ", r"\s+")
        if inside:
            return f"(?:{body})"
        if re.match(r"[\u0600-\u06FF]", body):
            return rf"(?<!\w){_AR_CLITICS}(?:{body})"
        return rf"(?<!\w)(?:{body})"

    def find(self, text: str) -> Hits:
        """Hits in an already normalised text."""
        terms: list[tuple[str, str]] = []
        for tag, pattern in self._patterns:
            terms.extend((tag, m.group(0).strip()) for m in pattern.finditer(text))
        return Hits(tuple(terms))

    def matrix(self, hits: Sequence[Hits]) -> np.ndarray:
        """One row per text, one column per tag: 1 when the tag was hit."""
        out = np.zeros((len(hits), len(TAGS)), dtype=np.float32)
        index = {tag: i for i, tag in enumerate(TAGS)}
        for row, h in enumerate(hits):
            for tag in h.tags:
                out[row, index[tag]] = 1.0
        return out
