"""Operators' corrections of a report's label: stored for retraining, applied to its signal at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.taxonomy import validate_label
from models.clock import utcnow
from models.schema import Correction, Report, Signal


class CorrectionError(ValueError):
    """A correction names an unknown report or a label the taxonomy does not allow."""


def record_correction(session: Session, report_ref: str, category: str, severity: int, operator: str = "operator", now: datetime | None = None) -> Correction:
    """Store an operator's label for the report with reference ``report_ref`` and pin its signal to it."""
    try:
        validate_label(category, int(severity))
    except (TypeError, ValueError) as exc:
        raise CorrectionError(str(exc)) from None
    report = session.scalar(select(Report).where(Report.ref == report_ref.strip().upper()))
    if report is None:
        raise CorrectionError(f"no report with reference {report_ref!r}")
    when = now or utcnow()
    correction = Correction(report_id=report.id, category=category, severity=int(severity), operator=operator, created_at=when)
    session.add(correction)
    signal = session.scalar(select(Signal).where(Signal.report_id == report.id))
    if signal is not None:
        # A corrected signal is never overwritten by a later classification run.
        signal.category, signal.severity, signal.corrected = category, int(severity), True
    session.flush()
    return correction


def record_corrections(session: Session, items: Iterable[Mapping[str, Any]], operator: str = "operator") -> dict[str, Any]:
    """Store many corrections (e.g. from the retraining DAG's config); bad items are reported, not fatal."""
    stored, errors = 0, []
    for number, item in enumerate(items, 1):
        try:
            record_correction(session, str(item["report_ref"]), str(item["category"]), int(item["severity"]), operator)
            stored += 1
        except (KeyError, TypeError, ValueError) as exc:
            errors.append(f"item {number}: {exc}")
    return {"stored": stored, "errors": errors}
