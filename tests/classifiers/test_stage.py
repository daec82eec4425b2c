"""The classify stage records what each signal was based on, including a severe word left for review."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from classifiers.model import ReportClassifier
from classifiers.stage import classify_pending
from models.schema import Report, Signal

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_a_dismissed_severe_word_is_stored_for_review(session: Session, small_bundle: dict[str, Any]) -> None:
    session.add_all(
        [
            Report(ref="AAA222", channel="sms", provider_id="1", sender_hash="h", text="they killed my brother at the farm"),
            Report(ref="BBB333", channel="sms", provider_id="2", sender_hash="h", text="we remember those killed in 2008"),
        ]
    )
    session.commit()
    doubting = ReportClassifier(
        {**small_bundle, "alert_threshold": 1.01, "severe_threshold": 1.01}, version="test"
    )
    assert classify_pending(session, doubting, NOW) == {"classified": 2, "alert_worthy": 0}
    severe, trapped = session.query(Signal).order_by(Signal.report_id).all()
    assert severe.probabilities.get("review") == 1.0 and "attack_on_civilians:kill" in severe.lexicon_hits
    assert "review" not in trapped.probabilities and severe.model_version == "test"
