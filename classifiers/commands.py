"""``tocsin`` subcommands about the model (labelling, retraining)."""

from __future__ import annotations

import argparse
from typing import Any


def register(sub: Any) -> None:
    """Add this package's subcommands to the ``tocsin`` parser."""
