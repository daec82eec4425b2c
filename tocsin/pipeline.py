"""One function per stage, each opening its own session: what DAG tasks and ``run-once`` call."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from models.clock import utcnow
from tocsin.runtime import Runtime

log = logging.getLogger(__name__)


POLL_INTERVAL = 1.0  # seconds between SMS reads while waiting


def _work_pending(session: Any) -> bool:
    """Whether the stages downstream of ingest have something to do (e.g. stored by the other channel)."""
    from sqlalchemy import select

    from models.schema import Report

    return session.scalar(select(Report.id).where(Report.status == "new", Report.kind == "report").limit(1)) is not None


def _got_something(stats: dict[str, Any]) -> bool:
    return any(int(stats.get(key, 0) or 0) > 0 for key in ("stored", "commands", "edits"))


def _accumulate(total: dict[str, Any], stats: dict[str, Any]) -> None:
    for key, value in stats.items():
        total[key] = total.get(key, 0) + value if isinstance(value, int) else value


def ingest_telegram(rt: Runtime, now: datetime | None = None, wait: float = 0.0) -> dict[str, Any]:
    """Read Telegram; with ``wait``, long-poll up to that many seconds until something arrives.

    Waiting here instead of on a schedule is what keeps report-to-alert latency
    low: the stream's next stages start the moment a report is stored.
    """
    from ingest.stage import ingest_telegram as stage

    if rt.telegram_credentials is None:
        return {"skipped": "telegram not configured"}
    deadline = time.monotonic() + wait
    total: dict[str, Any] = {}
    bot = rt.telegram_bot()
    with rt.session() as session:
        while True:
            remaining = deadline - time.monotonic()
            stats = stage(session, rt.vault, bot, now or utcnow(), timeout=int(min(2, max(0, remaining))))
            _accumulate(total, stats)
            if _got_something(stats) or remaining <= 0 or _work_pending(session):
                return total


def ingest_sms(rt: Runtime, now: datetime | None = None, wait: float = 0.0) -> dict[str, Any]:
    """Read inbound SMS; with ``wait``, poll every second up to that long until something arrives."""
    from ingest.stage import ingest_sms as stage

    creds = rt.twilio_credentials
    if creds is None:
        return {"skipped": "sms not configured"}
    deadline = time.monotonic() + wait
    total: dict[str, Any] = {}
    with rt.session() as session:
        while True:
            stats = stage(session, rt.vault, rt.twilio_client, creds.number or None, now or utcnow())
            _accumulate(total, stats)
            if _got_something(stats) or time.monotonic() >= deadline or _work_pending(session):
                return total
            time.sleep(POLL_INTERVAL)


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
    ("detect_spikes", detect_spikes),
    ("escalate", escalate),
    ("deliver", deliver),
    ("track_status", track_status),
]


def run_once(rt: Runtime, now: datetime | None = None) -> dict[str, dict[str, Any]]:
    """One pass of every stage in order, without Airflow."""
    return {name: fn(rt, now) for name, fn in STAGES}
