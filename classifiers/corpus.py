"""The labelled corpus shipped with Tocsin, and its frozen train/test split.

The split is by ``group`` (variants of one source message share a group), with
a hash of the group id deciding, so it never changes when rows are added and no
near-duplicate sits on both sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from classifiers.taxonomy import validate_label

CORPUS_DIR = Path(__file__).parent / "data" / "corpus"
# Everyday traffic written apart from the corpus and never trained or tuned on: the second held-out measure of false alerts.
HELDOUT_DIR = Path(__file__).parent / "data" / "heldout"
TEST_SHARE = 0.25


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSON Lines file; a bad line raises ValueError naming the line."""
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{number}: not JSON: {exc.msg}") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected an object")  # noqa: TRY004 - callers report bad files as ValueError
            yield row


def load_corpus(directory: Path = CORPUS_DIR) -> list[dict[str, Any]]:
    """Every labelled row of every language file in ``directory``, validated against the taxonomy."""
    rows: list[dict[str, Any]] = []
    for path in sorted(directory.glob("*.jsonl")):
        for row in read_jsonl(path):
            validate_label(row["category"], int(row["severity"]))
            row.setdefault("group", row["id"])
            rows.append(row)
    return rows


def load_heldout(directory: Path = HELDOUT_DIR) -> list[dict[str, Any]]:
    """The held-out everyday set (empty when the directory is missing)."""
    return load_corpus(directory) if directory.is_dir() else []


def is_test(row: dict[str, Any]) -> bool:
    """Whether the row's group belongs to the frozen test split (rows marked ``"split": "train"`` never do)."""
    if row.get("split") == "train":
        return False
    digest = hashlib.sha256(f"tocsin-split-v1:{row.get('group') or row['id']}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < TEST_SHARE


def split(rows: Iterable[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, test) by group."""
    train: list[dict[str, Any]] = []
    test: list[dict[str, Any]] = []
    for row in rows:
        (test if is_test(row) else train).append(row)
    return train, test


def fingerprint(rows: Iterable[dict[str, Any]]) -> str:
    """A hash of the training rows' text and labels, to tell model versions' data apart."""
    h = hashlib.sha256()
    for row in sorted(rows, key=lambda r: str(r["id"])):
        h.update(json.dumps([row["id"], row["text"], row["category"], int(row["severity"])], ensure_ascii=False).encode())
    return h.hexdigest()


def main() -> None:
    """Print one side of the frozen split as JSON Lines: ``python -m classifiers.corpus test > frozen_test.jsonl``."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description="Print the train or test side of the frozen split as JSON Lines.")
    parser.add_argument("side", choices=("train", "test"))
    train, test = split(load_corpus())
    for row in train if parser.parse_args().side == "train" else test:
        sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
