"""Precedence and severity rules of TAXONOMY.md."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from classifiers.model import ReportClassifier, pick_by_precedence
from classifiers.taxonomy import PRECEDENCE, clamp_severity, validate_label

TAXONOMY = Path(__file__).resolve().parents[3] / "shared" / "TAXONOMY.md"


@pytest.mark.skipif(not TAXONOMY.is_file(), reason="shared/TAXONOMY.md not beside the repository")
def test_precedence_is_the_order_written_in_the_taxonomy() -> None:
    text = TAXONOMY.read_text(encoding="utf-8")
    sentence = re.split(r"in\s+this\s+order\s+of\s+precedence", text)[1].split("\n\n")[0]
    assert tuple(re.findall(r"`(\w+)`", sentence)) == PRECEDENCE


def test_precedence_starts_with_killing_and_ends_with_other() -> None:
    assert PRECEDENCE[0] == "attack_on_civilians" and PRECEDENCE[-1] == "other"
    assert PRECEDENCE.index("armed_mobilisation") < PRECEDENCE.index("threat_incitement") < PRECEDENCE.index("displacement")


def test_of_two_nearly_equal_readings_the_more_severe_category_wins() -> None:
    rank = np.array([PRECEDENCE.index(c) for c in ("displacement", "attack_on_civilians", "threat_incitement", "armed_mobilisation")])
    # "they burned 2 houses ... families are leaving": displacement likelier, attack close behind
    assert pick_by_precedence(np.array([0.45, 0.40, 0.1, 0.05]), rank, ratio=0.7) == 1
    # a clear reading is not overruled by a faint severe one
    assert pick_by_precedence(np.array([0.80, 0.10, 0.05, 0.05]), rank, ratio=0.7) == 0
    # "tonight they will come ... sharpening machetes": armed mobilisation outranks the threat
    assert pick_by_precedence(np.array([0.0, 0.0, 0.5, 0.45]), rank, ratio=0.7) == 3


def test_the_classifier_applies_precedence(small_bundle: dict[str, Any]) -> None:
    # With every allowed category counted as close, the most severe one the taxonomy allows always wins.
    model = ReportClassifier({**small_bundle, "precedence_ratio": 0.0})
    for p in model.predict(["gunmen killed 3 people and burned houses", "water dispute between the two villages again"]):
        assert p.category in ("attack_on_civilians", "threat_incitement")


@pytest.mark.parametrize(
    ("category", "severity", "expected"),
    [("attack_on_civilians", 1, 3), ("displacement", 3, 2), ("other", 2, 0), ("crime", 3, 2), ("intergroup_tension", 0, 1)],
)
def test_clamp_severity_keeps_to_what_the_category_allows(category: str, severity: int, expected: int) -> None:
    assert clamp_severity(category, severity) == expected


def test_validate_label_refuses_unknown_categories_and_severities() -> None:
    validate_label("rumour", 1)
    with pytest.raises(ValueError):
        validate_label("rumour", 2)
    with pytest.raises(ValueError):
        validate_label("riot", 2)
