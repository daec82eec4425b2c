"""One function per stage, each opening its own session: what DAG tasks and ``run-once`` call."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from models.clock import utcnow
from tocsin.runtime import Runtime

log = logging.getLogger(__name__)


def ingest_telegram(rt: Runtime, now: datetime | None = None, timeout: int = 0) -> dict[str, Any]:
    from ingest.stage import ingest_telegram as stage

    if rt.telegram_credentials is None:
        return {"skipped": "telegram not configured"}
    with rt.session() as session:
        return stage(session, rt.vault, rt.telegram_bot(), now or utcnow(), timeout=timeout)


def ingest_sms(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    from ingest.stage import ingest_sms as stage

    creds = rt.twilio_credentials
    if creds is None:
        return {"skipped": "sms not configured"}
    with rt.session() as session:
        return stage(session, rt.vault, rt.twilio_client, creds.number or None, now or utcnow())


def classify(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    from classifiers.registry import load_active
    from classifiers.stage import classify_pending

    with rt.session() as session:
        model = load_active(session)
        total: dict[str, Any] = {"classified": 0, "alert_worthy": 0, "model": model.version}
        while True:
            stats = classify_pending(session, model, now or utcnow())
            session.commit()
            total["classified"] += stats["classified"]
            total["alert_worthy"] += stats["alert_worthy"]
            if stats["classified"] == 0:
                return total


def correlate(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    from alerts.correlate import correlate as stage

    with rt.session() as session:
        stats = stage(session, now or utcnow())
        session.commit()
        return stats.__dict__


def route(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    from alerts.routing import route as stage

    with rt.session() as session:
        stats = stage(session, rt.rules, now or utcnow())
        session.commit()
        return stats


def deliver(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    from alerts.deliver import deliver as stage

    with rt.session() as session:
        return stage(session, rt.vault, rt.senders(), now or utcnow()).as_dict()


def escalate(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    from alerts.escalate import escalate as stage

    with rt.session() as session:
        stats = stage(session, rt.rules, now or utcnow())
        session.commit()
        return stats


STAGES: list[tuple[str, Callable[..., dict[str, Any]]]] = [
    ("ingest_telegram", ingest_telegram),
    ("ingest_sms", ingest_sms),
    ("classify", classify),
    ("correlate", correlate),
    ("route", route),
    ("escalate", escalate),
    ("deliver", deliver),
]


def run_once(rt: Runtime, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """One pass of every stage in order, without Airflow."""
    return {name: fn(rt, now) for name, fn in STAGES}
