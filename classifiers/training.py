"""Building, evaluating and storing classifier versions from the corpus and operators' corrections."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.corpus import fingerprint, load_corpus, load_heldout, split
from classifiers.evaluate import evaluate
from classifiers.fit import FitSettings, train_bundle
from classifiers.model import ReportClassifier
from classifiers.registry import activate, active_version, deserialise, load_active, save_artifact, save_version
from models.schema import Correction, ModelVersion, Report

log = logging.getLogger(__name__)
Builder = Callable[[list[dict[str, Any]]], tuple[dict[str, Any], dict[str, Any], str]]
HEADLINE = ("n", "alert_recall", "alert_precision", "macro_f1", "severity_accuracy", "everyday_alert_rate", "heldout_everyday_alert_rate")
MAX_F1_DROP = 0.01
ALGORITHM = (
    "tf-idf char 2-4 + word 1-3 + lexicon cues; linear SVMs (category, alert, report, critical, category x severity); "
    "boosted alert gate on their CV scores; script + linear language id"
)


def measure(model: ReportClassifier, test: list[dict[str, Any]]) -> dict[str, Any]:
    """Figures on the frozen ``test`` split, plus the share of the held-out everyday set flagged alert-worthy."""
    metrics = evaluate(model, test)
    heldout = load_heldout()
    if heldout:
        metrics["heldout_everyday_alert_rate"] = evaluate(model, heldout).get("everyday_alert_rate")
        metrics["heldout_everyday_n"] = len(heldout)
    return metrics


def build_from_corpus(extra_rows: list[dict[str, Any]] | None = None, settings: FitSettings | None = None) -> tuple[dict[str, Any], dict[str, Any], str]:
    """(bundle, frozen-split and held-out metrics, training fingerprint) for the corpus training split plus ``extra_rows``."""
    train, test = split(load_corpus())
    rows = train + list(extra_rows or [])
    bundle = train_bundle(rows, settings)
    return bundle, measure(ReportClassifier(bundle), test), fingerprint(rows)


def bootstrap_baseline(session: Session) -> ModelVersion:
    """Activate the shipped baseline (or, when it is missing or stale, one trained now)."""
    from classifiers.baseline import load_shipped

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
        rows.append(
            {"id": f"corr-{report_id}", "text": report.text, "lang": "und", "category": corr.category, "severity": corr.severity, "group": f"corr-{report_id}"}
        )
    return rows


def promotion_decision(candidate: dict[str, Any], active: dict[str, Any]) -> tuple[bool, str]:
    """Promote only if alert recall does not drop and macro-F1 drops by at most ``MAX_F1_DROP``."""
    c_recall, a_recall = float(candidate.get("alert_recall") or 0.0), float(active.get("alert_recall") or 0.0)
    c_f1, a_f1 = float(candidate.get("macro_f1") or 0.0), float(active.get("macro_f1") or 0.0)
    if c_recall < a_recall:
        return False, f"rejected: alert recall would drop {a_recall:.4f} -> {c_recall:.4f}"
    if c_f1 < a_f1 - MAX_F1_DROP:
        return False, f"rejected: macro-F1 would drop {a_f1:.4f} -> {c_f1:.4f} (more than {MAX_F1_DROP})"
    return True, f"promoted: alert recall {a_recall:.4f} -> {c_recall:.4f}, macro-F1 {a_f1:.4f} -> {c_f1:.4f}"


def retrain(session: Session, builder: Builder | None = None) -> dict[str, Any]:
    """Train on the corpus plus corrections, compare with the active model on the frozen split, promote or reject."""
    active_model = load_active(session)
    extra = correction_rows(session)
    bundle, candidate_metrics, fp = (builder or (lambda rows: build_from_corpus(rows)))(extra)
    _train, test = split(load_corpus())
    # Both are measured now on the same frozen split, whatever it held when the active one was built.
    active_metrics = measure(active_model, test)
    promote, reason = promotion_decision(candidate_metrics, active_metrics)
    row = save_version(session, bundle, metrics=candidate_metrics, fingerprint=fp, algorithm=ALGORITHM)
    if promote:
        activate(session, row, reason)
    else:
        row.status = "rejected"
        row.decision = reason
    session.commit()
    decision = {
        "decision": "promoted" if promote else "rejected",
        "reason": reason,
        "candidate": row.version,
        "previous": active_model.version,
        "active": row.version if promote else active_model.version,
        "corrections": len(extra),
        "candidate_metrics": {k: candidate_metrics.get(k) for k in HEADLINE},
        "active_metrics": {k: active_metrics.get(k) for k in HEADLINE},
    }
    log.info("retrain: %s", reason)
    log.info("candidate %s on the frozen split: %s", row.version, decision["candidate_metrics"])
    log.info("active %s on the frozen split: %s", active_model.version, decision["active_metrics"])
    return decision
