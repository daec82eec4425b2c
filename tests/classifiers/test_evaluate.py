"""Evaluation figures on a small labelled file."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from classifiers.corpus import read_jsonl
from classifiers.evaluate import evaluate, format_confusion
from classifiers.model import Prediction

ROWS = [
    {"id": "1", "text": "a", "lang": "en", "category": "attack_on_civilians", "severity": 3},
    {"id": "2", "text": "b", "lang": "en", "category": "displacement", "severity": 2},
    {"id": "3", "text": "c", "lang": "fr", "category": "other", "severity": 0, "kind": "everyday"},
    {"id": "4", "text": "d", "lang": "fr", "category": "rumour", "severity": 1, "kind": "everyday"},
]


class Fixed:
    """A classifier that answers from a table."""

    def __init__(self, answers: dict[str, tuple[str, int, str]]) -> None:
        self.answers = answers

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        return [Prediction(*self.answers[t][:2], 1.0, self.answers[t][2]) for t in texts]


def test_evaluate_metrics_on_a_small_file(tmp_path: Path) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    model = Fixed({"a": ("attack_on_civilians", 3, "en"), "b": ("other", 0, "en"), "c": ("crime", 2, "fr"), "d": ("rumour", 1, "sw")})
    m = evaluate(model, list(read_jsonl(path)))
    assert m["n"] == 4 and m["alert_n"] == 2
    assert m["alert_recall"] == 0.5 and m["alert_precision"] == 0.5
    assert m["everyday_alert_rate"] == 0.5 and m["everyday_n"] == 2
    assert m["per_lang"]["en"]["alert_recall"] == 0.5 and m["per_lang"]["fr"]["alert_recall"] is None
    assert m["lang_accuracy"] == 0.75
    assert m["severity_accuracy"] == 0.5
    # attack and rumour right (F1 1), displacement and other missed (F1 0): macro-F1 over the true labels is 0.5
    assert m["macro_f1"] == 0.5
    assert m["lang_id"]["en/Latn"] == {"n": 2, "accuracy": 1.0} and m["lang_id"]["fr/Latn"]["accuracy"] == 0.5
    assert "attack_on_civilians" in format_confusion(m)
