"""Precedence and severity rules of TAXONOMY.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from classifiers.model import ReportClassifier
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


def test_multi_signal_reports_take_the_more_severe_category(shipped_model: ReportClassifier) -> None:
    # TAXONOMY.md worked examples: armed preparation outranks the threat; killing outranks flight.
    armed, attack = shipped_model.predict(
        [
            "tonight they will come for the christian families, men are sharpening machetes at the junction",
            "gunmen shot dead 3 farmers and burned the village, families are fleeing to the town",
        ]
    )
    assert armed.category == "armed_mobilisation"
    assert attack.category == "attack_on_civilians"


@pytest.mark.parametrize(("category", "severity", "expected"), [("attack_on_civilians", 1, 3), ("displacement", 3, 2), ("other", 2, 0), ("crime", 3, 2), ("intergroup_tension", 0, 1)])
def test_clamp_severity_keeps_to_what_the_category_allows(category: str, severity: int, expected: int) -> None:
    assert clamp_severity(category, severity) == expected


def test_validate_label_refuses_unknown_categories_and_severities() -> None:
    validate_label("rumour", 1)
    with pytest.raises(ValueError):
        validate_label("rumour", 2)
    with pytest.raises(ValueError):
        validate_label("riot", 2)
