"""How alike two report texts are, across spelling variants and without a language model.

Character trigrams inside words survive typos, SMS abbreviations and
inflection in all six languages. Texts in scripts that share no letters
(an Arabic and an English report about the same attack) cannot be compared
this way, so their similarity is unknown rather than zero.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

_WORD = re.compile(r"\w+", re.UNICODE)
MIN_WORD = 4  # shorter words are mostly articles and prepositions that every report shares


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else "?"


def trigrams(text: str) -> Counter[str]:
    """Padded character trigrams of every word of MIN_WORD letters or more."""
    folded = unicodedata.normalize("NFKC", text.casefold())
    grams: Counter[str] = Counter()
    for word in _WORD.findall(folded):
        if len(word) < MIN_WORD or word.isdigit():
            continue
        padded = f" {word} "
        grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


def scripts(text: str) -> set[str]:
    """The writing systems a text's letters belong to (LATIN, ARABIC, DEVANAGARI...)."""
    return {_script(ch) for ch in text if ch.isalpha()}


def similarity(a: str, b: str) -> float | None:
    """Cosine similarity of trigram profiles in [0, 1]; None when the texts share no script."""
    if not scripts(a) & scripts(b):
        return None
    ga, gb = trigrams(a), trigrams(b)
    if not ga or not gb:
        return None
    dot = sum(count * gb[gram] for gram, count in ga.items() if gram in gb)
    return dot / (math.sqrt(sum(v * v for v in ga.values())) * math.sqrt(sum(v * v for v in gb.values())))
