"""Training, evaluating and promoting classifier versions."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.corpus import fingerprint, load_corpus, split
from classifiers.evaluate import evaluate
from classifiers.model import ReportClassifier, train_bundle
from models.schema import Correction, ModelVersion, Report

log = logging.getLogger(__name__)
ALGORITHM = "tfidf(char 2-5 + word 1-2) + logistic regression over (category, severity); char 1-4 language id"


def bootstrap_baseline(session: Session) -> ModelVersion:
    """Train on the shipped corpus's training split, evaluate on its frozen test split, activate."""
    from classifiers.registry import activate, active_version, save_version

    train, test = split(load_corpus())
    bundle = train_bundle(train)
    metrics = evaluate(ReportClassifier(bundle), test)
    row = save_version(session, bundle, metrics=metrics, fingerprint=fingerprint(train), algorithm=ALGORITHM)
    # Two processes bootstrapping at once: the first committed active model wins.
    if active_version(session) is None:
        activate(session, row, "baseline built from the shipped corpus on first use")
    session.commit()
    log.info("baseline model %s active: alert recall %.3f, macro-F1 %.3f", row.version, metrics["alert_recall"], metrics["macro_f1"])
    return active_version(session) or row


def correction_rows(session: Session) -> list[dict[str, Any]]:
    """Operators' latest label per report, as training rows."""
    latest: dict[int, Correction] = {}
    for corr in session.scalars(select(Correction).order_by(Correction.created_at)):
        latest[corr.report_id] = corr
    rows = []
    for report_id, corr in latest.items():
        report = session.get(Report, report_id)
        if report is None or not report.text.strip():
            continue
        rows.append({"id": f"corr-{report_id}", "text": report.text, "lang": "und", "category": corr.category, "severity": corr.severity, "group": f"corr-{report_id}"})
    return rows
