"""Language identification for short, code-mixed reports.

The script decides first (Devanagari is Nepali, Arabic script is Arabic);
Latin-script texts, where off-the-shelf detectors mistake Arabizi, romanised
Nepali and Hausa for other languages, go to a linear model trained on the
corpus's n-grams.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

SCRIPT_LANG = {"Deva": "ne", "Arab": "ar"}


def script(text: str) -> str:
    """The main script of a text: Deva, Arab, Latn, or Zyyy when it has no letters."""
    counts = {"Deva": 0, "Arab": 0, "Latn": 0}
    for ch in text:
        if "\u0900" <= ch <= "\u097f":
            counts["Deva"] += 1
        elif "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f":
            counts["Arab"] += 1
        elif ch.isalpha():
            counts["Latn"] += 1
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
