"""Text normalisation shared by training and prediction."""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"https?://\S+|www\.\S+")
_REPEAT = re.compile(r"(.)\1{2,}")
_AR_DIACRITICS = re.compile(r"[\u064B-\u0652\u0640]")
_AR_LETTER_VARIANTS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ى": "ي", "ة": "ه"})


def normalise(text: str) -> str:
    """Lower case, one space, no URLs, Arabic letter variants and diacritics merged, long repeats cut."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    text = _URL.sub(" url ", text)
    text = _AR_DIACRITICS.sub("", text)
    text = text.translate(_AR_LETTER_VARIANTS)
    text = _REPEAT.sub(r"\1\1", text)
    return " ".join(text.split())
