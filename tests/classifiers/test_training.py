"""Retraining: the promotion rule, and what promote and reject leave in the registry."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from classifiers import registry
from classifiers.registry import active_version, load_active
from classifiers.training import measure, promotion_decision, retrain
from models.db import make_engine
from models.schema import ModelVersion


@pytest.mark.parametrize(
    ("candidate", "active", "promote"),
    [
        ({"alert_recall": 0.96, "macro_f1": 0.70}, {"alert_recall": 0.95, "macro_f1": 0.70}, True),
        ({"alert_recall": 0.95, "macro_f1": 0.691}, {"alert_recall": 0.95, "macro_f1": 0.70}, True),  # within 0.01
        ({"alert_recall": 0.94, "macro_f1": 0.90}, {"alert_recall": 0.95, "macro_f1": 0.70}, False),  # recall drops
        ({"alert_recall": 0.99, "macro_f1": 0.68}, {"alert_recall": 0.95, "macro_f1": 0.70}, False),  # F1 drops > 0.01
    ],
)
def test_promotion_rule(candidate: dict[str, float], active: dict[str, float], promote: bool) -> None:
    assert promotion_decision(candidate, active)[0] is promote


def _builder(bundle: dict[str, Any], metrics: dict[str, Any]) -> Any:
    def build(extra: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any], str]:
        return bundle, metrics, f"fp-{len(extra)}"

    return build


def test_a_better_candidate_is_promoted_and_survives_a_restart(db_url: str, session: Session, small_bundle: dict[str, Any]) -> None:
    before = load_active(session).version
    decision = retrain(session, builder=_builder(small_bundle, {"alert_recall": 1.0, "macro_f1": 1.0}))
    assert decision["decision"] == "promoted" and decision["previous"] == before
    assert decision["candidate_metrics"]["alert_recall"] == 1.0 and decision["active_metrics"]["alert_recall"] is not None
    registry._cache.clear()
    with Session(make_engine(db_url)) as fresh:
        assert load_active(fresh, bootstrap=False).version == decision["candidate"]


def test_a_worse_candidate_is_rejected_and_the_active_model_stays(session: Session, small_bundle: dict[str, Any]) -> None:
    before = load_active(session).version
    decision = retrain(session, builder=_builder(small_bundle, {"alert_recall": 0.1, "macro_f1": 0.1}))
    assert decision["decision"] == "rejected" and decision["active"] == before
    assert active_version(session).version == before
    rejected = session.query(ModelVersion).filter_by(version=decision["candidate"]).one()
    assert rejected.status == "rejected" and "alert recall" in (rejected.decision or "")


def test_the_algorithm_description_fits_its_column() -> None:
    from classifiers.training import ALGORITHM

    assert len(ALGORITHM) <= ModelVersion.__table__.c.algorithm.type.length


def test_measure_reports_the_heldout_everyday_rate_beside_the_frozen_split(small_bundle: dict[str, Any]) -> None:
    from classifiers.corpus import load_corpus, load_heldout, split
    from classifiers.model import ReportClassifier

    model = ReportClassifier(small_bundle)
    heldout = load_heldout()
    metrics = measure(model, split(load_corpus())[1])
    flagged = sum(p.severity >= 2 for p in model.predict([r["text"] for r in heldout]))
    assert metrics["heldout_everyday_n"] == len(heldout)
    assert metrics["heldout_everyday_alert_rate"] == round(flagged / len(heldout), 4)
    assert metrics["n"] == len(split(load_corpus())[1])
