"""Helpers for the alert tests: reports with signals, delivery runs against the sandbox, the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from alerts.deliver import RateLimiter
from models.refs import new_ref
from models.schema import Report, Signal

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)  # outside the default quiet hours
PROJECT_NUMBER = "+15550000000"


def unlimited() -> dict[str, RateLimiter]:
    """Limiters that never wait, for tests whose sandbox limits are switched off."""
    return {"telegram": RateLimiter(0, 0), "sms": RateLimiter(0, 0)}


@pytest.fixture
def no_limits(sandbox: Any) -> None:
    """Switch the sandbox's rate limits off, for tests about something else."""
    httpx.post(f"{sandbox.url}/control/limits", json={"telegram_global_per_s": 0, "telegram_per_chat_per_s": 0, "sms_per_s": 0}).raise_for_status()


def outbox(sandbox: Any) -> list[dict[str, Any]]:
    return httpx.get(f"{sandbox.url}/control/outbox").json()


def control(sandbox: Any, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{sandbox.url}/control/{path}", json=body)
    response.raise_for_status()
    return response.json()


def sms_in(sandbox: Any, sender: str, body: str) -> None:
    control(sandbox, "sms/messages", {"from": sender, "to": PROJECT_NUMBER, "body": body})


def classify_as(session: Any, report: Report, category: str, severity: int, region: str | None, confidence: float = 0.8, at: datetime | None = None) -> Signal:
    """What the classifier would have said, written directly: these tests are about what happens after it."""
    signal = Signal(report_id=report.id, category=category, severity=severity, confidence=confidence, lang="en", region_id=region, model_version="test", created_at=at or report.received_at)
    report.status = "classified"
    session.add(signal)
    session.flush()
    return signal


def add_report(session: Any, text: str, category: str, severity: int, region: str | None, *, sender: str = "s1", member_id: str | None = None, at: datetime = T0, confidence: float = 0.8, flags: dict[str, Any] | None = None) -> Signal:
    """A report and its signal, for tests that start after ingest."""
    report = Report(ref=new_ref(), channel="sms", provider_id=new_ref(12), member_id=member_id, sender_hash=sender, text=text, received_at=at, status="new", flags=flags or {})
    session.add(report)
    session.flush()
    return classify_as(session, report, category, severity, region, confidence, at)


def ingest_and_classify(rt: Any, now: datetime, category: str, severity: int, region: str | None) -> list[Signal]:
    """Read the sandbox's new SMS through the real client, then classify each new report as given."""
    from tocsin import pipeline

    pipeline.ingest_sms(rt, now)
    with rt.session() as session:
        reports = session.scalars(select(Report).where(Report.status == "new", Report.kind == "report")).all()
        signals = [classify_as(session, report, category, severity, region) for report in reports]
        session.commit()
        return signals


def run_stages(rt: Any, now: datetime, **deliver_args: Any) -> dict[str, Any]:
    """correlate → route → escalate → deliver, as the stream runs them."""
    from alerts.correlate import correlate
    from alerts.escalate import escalate
    from alerts.routing import route

    with rt.session() as session:
        out: dict[str, Any] = {"correlate": correlate(session, now).__dict__, "route": route(session, rt.rules, now), "escalate": escalate(session, rt.rules, now)}
        session.commit()
    out["deliver"] = deliver_now(rt, now, **deliver_args)
    return out


def deliver_now(rt: Any, now: datetime, **kwargs: Any) -> dict[str, Any]:
    from alerts.deliver import deliver

    kwargs.setdefault("limiters", unlimited())
    senders = rt.senders()
    try:
        with rt.session() as session:
            return deliver(session, rt.vault, senders, now, **kwargs).as_dict()
    finally:
        for sender in senders.values():
            sender.close()


def later(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)
