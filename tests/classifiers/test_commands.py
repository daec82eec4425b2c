"""``tocsin label`` and the corrections it stores for retraining."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from classifiers.corrections import CorrectionError, record_corrections
from classifiers.training import correction_rows
from models.schema import Correction, Report, Signal
from tocsin.cli import main


def _report(session: Session, ref: str = "K7M2QX", text: str = "they took my brother from the market") -> Report:
    report = Report(ref=ref, channel="sms", provider_id=f"p-{ref}", sender_hash="h", text=text)
    session.add(report)
    session.flush()
    session.add(Signal(report_id=report.id, category="other", severity=0, confidence=0.5, lang="en", model_version="m"))
    session.commit()
    return report


def test_tocsin_label_stores_a_correction_and_pins_the_signal(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", db_url)
    report = _report(session)
    main(["label", "k7m2qx", "abduction_disappearance", "3", "--operator", "amina"])
    assert "K7M2QX" in capsys.readouterr().out
    session.expire_all()
    correction = session.query(Correction).one()
    assert (correction.report_id, correction.category, correction.severity, correction.operator) == (report.id, "abduction_disappearance", 3, "amina")
    signal = session.query(Signal).one()
    assert (signal.category, signal.severity, signal.corrected) == ("abduction_disappearance", 3, True)
    assert correction_rows(session)[0]["text"] == report.text


def test_tocsin_label_refuses_a_label_the_taxonomy_forbids(
    db_url: str, session: Session, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TOCSIN_DATABASE_URL", db_url)
    _report(session)
    with pytest.raises(SystemExit) as exit_:
        main(["label", "K7M2QX", "rumour", "3"])
    assert exit_.value.code == 1 and "not allowed" in capsys.readouterr().err
    assert session.query(Correction).count() == 0


def test_corrections_from_the_dag_config_report_bad_items(session: Session) -> None:
    _report(session)
    result = record_corrections(
        session,
        [{"report_ref": "K7M2QX", "category": "crime", "severity": 1}, {"report_ref": "NOPE00", "category": "crime", "severity": 1}, {"category": "crime"}],
    )
    assert result["stored"] == 1 and len(result["errors"]) == 2


def test_the_latest_correction_of_a_report_wins(session: Session) -> None:
    from classifiers.corrections import record_correction

    _report(session)
    record_correction(session, "K7M2QX", "crime", 1)
    record_correction(session, "K7M2QX", "abduction_disappearance", 3)
    rows = correction_rows(session)
    assert [(r["category"], r["severity"]) for r in rows] == [("abduction_disappearance", 3)]
    with pytest.raises(CorrectionError):
        record_correction(session, "K7M2QX", "other", 2)
