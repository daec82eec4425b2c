"""Short reference codes people can read out and type on a basic phone."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L


def new_ref(length: int = 6) -> str:
    """A random code; 31**6 ≈ 9e8 values, so collisions are negligible."""
    return "".join(secrets.choice(ALPHABET) for _ in range(length))
