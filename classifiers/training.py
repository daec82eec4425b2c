"""Building, evaluating and storing classifier versions from the corpus and operators' corrections."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.corpus import fingerprint, load_corpus, split
from classifiers.evaluate import evaluate
from classifiers.fit import FitSettings, train_bundle
from classifiers.model import ReportClassifier
from models.schema import Correction, ModelVersion, Report

log = logging.getLogger(__name__)
ALGORITHM = "hashed tf-idf (char 1-5 + word 1-2) + lexicon cues, logistic regression over (category, severity), temperature-calibrated; script rules + linear language id"


def build_from_corpus(extra_rows: list[dict[str, Any]] | None = None, settings: FitSettings | None = None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(bundle, frozen-split metrics, training fingerprint) for the corpus training split plus ``extra_rows``."""
    train, test = split(load_corpus())
    rows = train + list(extra_rows or [])
    bundle = train_bundle(rows, settings)
    metrics = evaluate(ReportClassifier(bundle), test)
    return bundle, metrics, fingerprint(rows)


def bootstrap_baseline(session: Session) -> ModelVersion:
    """Activate the shipped baseline (or, when it is missing or stale, one trained now)."""
    from classifiers.baseline import load_shipped
    from classifiers.registry import activate, active_version, deserialise, save_artifact, save_version

    shipped = load_shipped()
    if shipped is not None:
        deserialise(shipped.artifact, shipped.sha256)
        row = save_artifact(session, shipped.artifact, metrics=shipped.metrics, fingerprint=shipped.fingerprint, algorithm=shipped.algorithm or ALGORITHM)
        how = "shipped baseline activated on first use"
    else:
        bundle, metrics, fp = build_from_corpus()
        row = save_version(session, bundle, metrics=metrics, fingerprint=fp, algorithm=ALGORITHM)
        how = "baseline trained from the shipped corpus on first use"
    # Two processes bootstrapping at once: the first committed active model wins.
    if active_version(session) is None:
        activate(session, row, how)
    session.commit()
    log.info("%s: %s (alert recall %s, macro-F1 %s)", how, row.version, row.metrics.get("alert_recall"), row.metrics.get("macro_f1"))
    return active_version(session) or row


def correction_rows(session: Session) -> list[dict[str, Any]]:
    """Operators' latest label per report, as training rows."""
    latest: dict[int, Correction] = {}
    for corr in session.scalars(select(Correction).order_by(Correction.created_at, Correction.id)):
        latest[corr.report_id] = corr
    rows = []
    for report_id, corr in latest.items():
        report = session.get(Report, report_id)
        if report is None or not report.text.strip():
            continue
        rows.append({"id": f"corr-{report_id}", "text": report.text, "lang": "und", "category": corr.category, "severity": corr.severity, "group": f"corr-{report_id}"})
    return rows
