"""SMS length as carriers bill it, so alert texts can be held to two segments.

A message is GSM-7 only when every character is in the GSM 03.38 alphabet;
one character outside it makes the whole message UCS-2 (70/67 units).
"""

from __future__ import annotations

import math
import unicodedata

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
MAX_SEGMENTS = 2


def is_gsm7(text: str) -> bool:
    """Whether the text can go out in the 7-bit alphabet."""
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def segments(text: str) -> int:
    """How many SMS parts ``text`` takes."""
    if is_gsm7(text):
        units = len(text) + sum(ch in GSM7_EXTENSION for ch in text)
        single, multi = 160, 153
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else math.ceil(units / multi)


def gsm_fold(text: str) -> str:
    """Latin text with characters outside GSM-7 folded to their base letter, so one 'ê' does not halve the budget."""
    out = []
    for ch in text:
        if ch in GSM7_BASIC or ch in GSM7_EXTENSION:
            out.append(ch)
            continue
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        base = {"’": "'", "‘": "'", "“": '"', "”": '"', "–": "-", "—": "-", "…": "..."}.get(ch, base)
        out.append(base if base and all(c in GSM7_BASIC for c in base) else "?")
    return "".join(out)
