"""Language identification for short, code-mixed reports.

The script decides first (Devanagari is Nepali, Arabic script is Arabic);
Latin-script texts, where off-the-shelf detectors mistake Arabizi, romanised
Nepali and Hausa for other languages, go to a linear model trained on the
corpus's n-grams.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np

SCRIPT_LANG = {"Deva": "ne", "Arab": "ar"}


_SCRIPTS = {
    "Deva": re.compile(r"[\u0900-\u097f]"),
    "Arab": re.compile(r"[\u0600-\u06ff\u0750-\u077f]"),
    "Latn": re.compile(r"[a-zA-Z\u00c0-\u024f]"),
}


def script(text: str) -> str:
    """The main script of a text: Deva, Arab, Latn, or Zyyy when it has none of their letters."""
    counts = {name: len(pattern.findall(text)) for name, pattern in _SCRIPTS.items()}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] else "Zyyy"


class LanguageIdentifier:
    """Script rules, then a linear model over the classifier's own n-gram features."""

    def __init__(self, coef: Any, intercept: Any, langs: Sequence[str]) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.langs = list(langs)

    def identify(self, clean: Sequence[str], ngrams: Any) -> list[str]:
        """One language code per normalised text ("und" when there is nothing to go on)."""
        best = np.asarray(ngrams @ self.coef.T + self.intercept).argmax(axis=1)
        out: list[str] = []
        for text, index in zip(clean, best):
            s = script(text)
            out.append(SCRIPT_LANG.get(s) or ("und" if s == "Zyyy" else self.langs[int(index)]))
        return out
