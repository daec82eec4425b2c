"""The classify stage: every new report gets one signal from the active model."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.gazetteer import gazetteer_from_db
from classifiers.model import ReportClassifier
from models.schema import Member, Report, Signal


def classify_pending(session: Session, model: ReportClassifier, now: datetime, batch_size: int = 2000) -> dict[str, int]:
    """Classify new (and edited) reports; a report's place is the region it names, else its reporter's."""
    reports = session.scalars(select(Report).where(Report.status == "new", Report.kind == "report").order_by(Report.id).limit(batch_size)).all()
    if not reports:
        return {"classified": 0, "alert_worthy": 0}
    gazetteer = gazetteer_from_db(session)
    predictions = model.predict([r.text for r in reports])
    alert_worthy = 0
    for report, pred in zip(reports, predictions):
        region_id = gazetteer.find(report.text)
        if region_id is None and report.member_id:
            member = session.get(Member, report.member_id)
            region_id = member.region_id if member else None
        signal = session.scalar(select(Signal).where(Signal.report_id == report.id))
        if signal is None:
            signal = Signal(report_id=report.id)
            session.add(signal)
        elif signal.corrected:
            report.status = "classified"
            continue
        signal.category = pred.category
        signal.severity = pred.severity
        signal.confidence = pred.confidence
        signal.lang = pred.lang
        signal.region_id = region_id
        signal.model_version = model.version
        # "review": a strong severe word the model did not call alert-worthy; operators must see it.
        signal.probabilities = {**pred.probabilities, "alert": pred.alert_probability, **({"review": 1.0} if pred.review else {})}
        signal.lexicon_hits = list(pred.lexicon_hits)
        signal.created_at = now
        report.status = "classified"
        alert_worthy += pred.severity >= 2
    return {"classified": len(reports), "alert_worthy": alert_worthy}
