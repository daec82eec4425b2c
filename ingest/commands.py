"""Member commands (JOIN, STOP, START, HELP, ACK, LANG) in the six languages.

A message is a command only when its first word is a command word (and, for
ACK, a reference code follows). STOP, START and HELP must stand alone, as
carriers require, so that "stop the fighting" stays a report.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

COMMAND_WORDS: dict[str, tuple[str, ...]] = {
    "stop": (
        "stop",
        "stopall",
        "unsubscribe",
        "cancel",
        "end",
        "quit",
        "arret",
        "arreter",
        "desabonner",
        "simamisha",
        "acha",
        "sitisha",
        "tsaya",
        "daina",
        "bari",
        "قف",
        "توقف",
        "ايقاف",
        "الغاء",
        "रोक",
        "रोक्नुहोस्",
        "बन्द",
        "banda",
        "rok",
    ),
    "start": ("start", "unstop", "demarrer", "reprendre", "anza", "fara", "ابدأ", "ابدا", "بدء", "सुरु", "suru"),
    "help": ("help", "info", "aide", "msaada", "taimako", "مساعدة", "مساعده", "مساعدا", "मद्दत", "सहयोग", "maddat", "sahayog"),
    "join": ("join", "register", "rejoindre", "inscrire", "inscription", "jiunge", "sajili", "shiga", "انضم", "اشتراك", "سجل", "जोड", "दर्ता", "darta", "jod"),
    "ack": ("ack", "ok", "recu", "recu.", "pokea", "nimepokea", "na karba", "karba", "تم", "استلمت", "प्राप्त", "prapta"),
    "lang": ("lang", "langue", "lugha", "harshe", "لغة", "भाषा", "bhasa", "bhasha"),
}

ACK_CODE = re.compile(r"^[A-Z0-9]{4,10}$")
LANG_CODES = {"en", "ar", "fr", "ne", "sw", "ha"}

_WORD_TO_COMMAND = {word: name for name, words in COMMAND_WORDS.items() for word in words}


@dataclass(frozen=True)
class Command:
    """A member's instruction and its argument (area, code or language)."""

    name: str
    argument: str = ""


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) or ord(ch) > 0x900)


def parse_command(text: str, callback_data: str | None = None) -> Command | None:
    """The command in ``text`` (or in an inline button's data), or None for a report."""
    if callback_data:
        name, _, arg = callback_data.partition(":")
        return Command(name, arg) if name in COMMAND_WORDS else None
    stripped = text.strip()
    if not stripped or len(stripped) > 80:
        return None
    if stripped.startswith("/"):
        head, _, rest = stripped[1:].partition(" ")
        head = head.split("@", 1)[0].casefold()
        if head in COMMAND_WORDS:
            return Command(head, rest.strip().casefold()[:8] if head == "lang" else rest.strip())
        return None
    words = stripped.split()
    first = _fold(words[0]).strip(".!,:;")
    name = _WORD_TO_COMMAND.get(first)
    if name is None and len(words) >= 2:
        name = _WORD_TO_COMMAND.get(f"{first} {_fold(words[1])}")
        words = [f"{words[0]} {words[1]}", *words[2:]] if name else words
    if name is None:
        return None
    argument = " ".join(words[1:]).strip()
    if name == "ack":
        code = argument.upper().lstrip("#")
        # "ACK <code>" always; the everyday words ("ok", "recu"...) only with a code
        # that has a digit (every alert reference has one), so "ok thanks" stays a report.
        if not ACK_CODE.match(code) or (first != "ack" and not any(ch.isdigit() for ch in code)):
            return None
        return Command("ack", code)
    if name in ("stop", "start", "help") and argument:
        return None
    if name == "lang":
        return Command("lang", argument.casefold()[:8])
    return Command(name, argument)
