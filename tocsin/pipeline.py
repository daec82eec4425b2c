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

    senders = rt.senders()
    try:
        with rt.session() as session:
            return stage(session, rt.vault, senders, now or utcnow()).as_dict()
    finally:
        for sender in senders.values():
            sender.close()


def track_status(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    """Carrier status of recent SMS; undeliverable numbers are marked and their messages failed over."""
    from alerts.deliver import track_status as stage

    senders = rt.senders()
    try:
        with rt.session() as session:
            counts = stage(session, rt.vault, senders, now or utcnow())
            session.commit()
            return counts
    finally:
        for sender in senders.values():
            sender.close()


def detect_spikes(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    """Spike incidents for regions whose concern-level reports rose far above their baseline."""
    from alerts.spikes import detect_spikes as stage

    with rt.session() as session:
        stats = stage(session, now or utcnow())
        session.commit()
        return stats


def sitrep(rt: Runtime, now: datetime | None = None) -> dict[str, Any]:
    """Close incidents quiet for three days, then queue each coordinator's daily report."""
    from alerts.acknowledge import close_stale
    from alerts.sitrep import send_sitreps

    with rt.session() as session:
        moment = now or utcnow()
        closed = close_stale(session, moment)
        stats = send_sitreps(session, moment)
        session.commit()
        return {"closed": closed, **stats}


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
