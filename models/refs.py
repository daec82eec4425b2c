"""Short reference codes people can read out and type on a basic phone."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


DIGITS = "23456789"


def new_ref(length: int = 6) -> str:
    """A random code with at least one digit, so a typed code never reads as a word ("OK THANKS")."""
    chars = [secrets.choice(ALPHABET) for _ in range(length)]
    if not any(ch in DIGITS for ch in chars):
        chars[secrets.randbelow(length)] = secrets.choice(DIGITS)
    return "".join(chars)
