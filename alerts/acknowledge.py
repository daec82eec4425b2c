"""Acknowledging an alert: the first ACK takes the incident and stops escalation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import queue_message
from alerts.templates import acked_text, reporter_status_text, taken_text
from models.schema import Alert, Incident, Member, MemberChannel, Report, Signal


def acknowledge(session: Session, member: Member, code: str, now: datetime, via: MemberChannel | None = None) -> bool:
    """Record ``member``'s ACK of incident ``code``; False when they hold no alert for it."""
    incident = session.scalar(select(Incident).where(Incident.ref == code.upper()))
    if incident is None:
        return False
    mine = session.scalar(select(Alert).where(Alert.incident_id == incident.id, Alert.member_id == member.id))
    if mine is None:
        return False
    if incident.acknowledged_by is not None:
        # Already taken: confirm who has it, so a second responder is not left guessing.
        taker = session.get(Member, incident.acknowledged_by)
        queue_message(session, member, "reply", taken_text(member.lang, ref=incident.ref, who=_who(taker), when=incident.acknowledged_at or now), f"taken:{incident.id}:{member.id}", channel=via, now=now)
        return True
    incident.acknowledged_by = member.id
    incident.acknowledged_at = now
    incident.status = "acknowledged"
    for alert in session.scalars(select(Alert).where(Alert.incident_id == incident.id)):
        if alert.member_id == member.id:
            alert.status = "acknowledged"
            alert.acknowledged_at = now
        elif alert.status == "open":
            alert.status = "closed"
            other = session.get(Member, alert.member_id)
            if other is not None:
                queue_message(session, other, "notice", taken_text(other.lang, ref=incident.ref, who=_who(member), when=now), f"taken:{incident.id}:{other.id}", now=now)
    queue_message(session, member, "reply", acked_text(member.lang, ref=incident.ref), f"acked:{incident.id}:{member.id}", channel=via, now=now)
    _tell_reporters(session, incident, now)
    return True


def _who(member: Member | None) -> str:
    """How a responder is named to other responders: name and role, never a number."""
    if member is None:
        return "?"
    role = member.role.replace("_", " ")
    return f"{member.name or member.id} ({role})"


def _tell_reporters(session: Session, incident: Incident, now: datetime) -> None:
    """Reporters who opted in hear that their report was taken up (reference only)."""
    rows = session.execute(select(Report).join(Signal, Signal.report_id == Report.id).where(Signal.incident_id == incident.id)).scalars().all()
    for report in rows:
        reporter = session.get(Member, report.member_id) if report.member_id else None
        if reporter is not None and reporter.status_updates:
            queue_message(session, reporter, "status", reporter_status_text(reporter.lang, ref=report.ref), f"status:{incident.id}:{report.id}", now=now)
