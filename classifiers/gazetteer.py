"""Finding the network region a text names, also misspelt or transliterated."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

_TOKEN = re.compile(r"[\w\u0900-\u097F\u0600-\u06FF'-]+", re.UNICODE)
_AR_PREFIXES = ("وال", "بال", "فال", "لل", "ال", "و", "ب", "ل", "ف")
# Nepali postpositions are written joined to the place name ("नेपालगन्जमा", "banke ma", "kohalpurma").
_SUFFIXES = ("मा", "को", "ले", "बाट", "सम्म", "तिर", "ma", "ko", "le", "bata", "tira")


def fold(text: str) -> str:
    """Lower case, accents off (but not Devanagari vowel signs), Arabic letter variants merged."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not (unicodedata.combining(ch) and ord(ch) < 0x600))
    return text.translate(str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ة": "ه", "ى": "ي", "ـ": None}))


@dataclass(frozen=True)
class Place:
    region_id: str
    name: str


class Gazetteer:
    """Region names and aliases, matched exactly first and fuzzily second."""

    def __init__(self, regions: Iterable[tuple[str, str, Iterable[str]]], min_score: float = 86.0) -> None:
        self._exact: dict[str, str] = {}
        self._latin: dict[str, str] = {}
        self.min_score = min_score
        for region_id, name, aliases in regions:
            for label in (name, *aliases):
                key = fold(label).strip()
                if not key:
                    continue
                self._exact.setdefault(key, region_id)
                if key.isascii() and len(key) >= 6:
                    self._latin.setdefault(key, region_id)
        self._max_words = max((k.count(" ") + 1 for k in self._exact), default=1)

    def has_places(self) -> bool:
        return bool(self._exact)

    def find(self, text: str) -> str | None:
        """The region named in ``text``, or None; the earliest mention wins."""
        tokens = [fold(t) for t in _TOKEN.findall(text)]
        for i in range(len(tokens)):
            for n in range(min(self._max_words, len(tokens) - i), 0, -1):
                phrase = " ".join(tokens[i : i + n])
                hit = self._exact.get(phrase) or self._exact.get(self._strip_ar(phrase)) or self._exact.get(self._strip_suffix(phrase))
                if hit:
                    return hit
            token = self._strip_suffix(tokens[i])
            if token.isascii() and len(token) >= 6 and self._latin:
                match = process.extractOne(token, self._latin.keys(), scorer=fuzz.ratio, score_cutoff=self.min_score - 8)
                if match and (match[1] >= self.min_score or match[0][0] == token[0]):
                    return self._latin[match[0]]
        return None

    def _strip_suffix(self, phrase: str) -> str:
        for suffix in _SUFFIXES:
            stem = phrase[: -len(suffix)]
            if phrase.endswith(suffix) and len(stem) >= 3 and stem in self._exact:
                return stem
        return phrase

    @staticmethod
    def _strip_ar(phrase: str) -> str:
        for prefix in _AR_PREFIXES:
            if phrase.startswith(prefix) and len(phrase) - len(prefix) >= 3:
                return phrase[len(prefix) :]
        return phrase


def gazetteer_from_db(session: Any) -> Gazetteer:
    """The network's regions (from the database) as a gazetteer."""
    from sqlalchemy import select

    from models.schema import Region

    return Gazetteer((r.id, r.name, r.aliases or []) for r in session.scalars(select(Region)))
