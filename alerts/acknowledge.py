"""Acknowledging and closing incidents: the first ACK takes the incident, stops escalation and tells the others."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import queue_message
from alerts.templates import acked_text, reporter_status_text, taken_text
from models.schema import Alert, Delivery, Incident, Member, MemberChannel, Report, Signal

ALERTED = ("open", "escalated", "overdue")
STALE_AFTER = timedelta(hours=72)


def acknowledge(session: Session, member: Member, code: str, now: datetime, via: MemberChannel | None = None) -> bool:
    """Record ``member``'s ACK of incident ``code``; False when they hold no alert for it."""
    incident = session.scalar(select(Incident).where(Incident.ref == code.strip().upper()))
    if incident is None or incident.status == "closed":
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
    mine.status = "acknowledged"
    mine.acknowledged_at = now
    for alert in session.scalars(select(Alert).where(Alert.incident_id == incident.id, Alert.member_id != member.id)):
        if alert.status in ALERTED:
            alert.status = "closed"
        if not _reached(session, alert):
            continue  # their alert was still waiting (quiet hours): it is cancelled, nothing to retract
        other = session.get(Member, alert.member_id)
        if other is not None:
            queue_message(session, other, "notice", taken_text(other.lang, ref=incident.ref, who=_who(member), when=now), f"taken:{incident.id}:{other.id}", now=now)
    queue_message(session, member, "reply", acked_text(member.lang, ref=incident.ref), f"acked:{incident.id}:{member.id}", channel=via, now=now)
    _tell_reporters(session, incident, now, closed=False)
    return True


def _reached(session: Session, alert: Alert) -> bool:
    """Cancel the alert's unsent deliveries; True when one was already sent (or may have been)."""
    reached = False
    for delivery in session.scalars(select(Delivery).where(Delivery.alert_id == alert.id)):
        if delivery.status == "pending":
            delivery.status = "cancelled"
            delivery.error = "incident acknowledged before this was sent"
        elif delivery.status != "failed":
            reached = True
    return reached


def close_stale(session: Session, now: datetime, quiet_for: timedelta = STALE_AFTER) -> int:
    """Close acknowledged incidents with no new report for ``quiet_for``."""
    stale = session.scalars(select(Incident).where(Incident.status == "acknowledged", Incident.last_seen < now - quiet_for)).all()
    for incident in stale:
        close_incident(session, incident, now)
    return len(stale)


def close_incident(session: Session, incident: Incident, now: datetime) -> None:
    """Close an incident: open alerts end, and reporters who opted in hear it is closed."""
    if incident.status == "closed":
        return
    incident.status = "closed"
    incident.closed_at = now
    for alert in session.scalars(select(Alert).where(Alert.incident_id == incident.id, Alert.status.in_(ALERTED))):
        alert.status = "closed"
    _tell_reporters(session, incident, now, closed=True)


def _who(member: Member | None) -> str:
    """How a responder is named to other responders: name and role, never a number."""
    if member is None:
        return "?"
    role = member.role.replace("_", " ")
    return f"{member.name or member.id} ({role})"


def _tell_reporters(session: Session, incident: Incident, now: datetime, *, closed: bool) -> None:
    """Reporters who opted in hear that their report was taken up or closed: their own reference only, once each."""
    reports = session.scalars(select(Report).join(Signal, Signal.report_id == Report.id).where(Signal.incident_id == incident.id).order_by(Report.id)).all()
    told: set[str] = set()
    for report in reports:
        reporter = session.get(Member, report.member_id) if report.member_id else None
        if reporter is None or not reporter.status_updates or reporter.id in told:
            continue
        told.add(reporter.id)
        event = "closed" if closed else "acked"
        queue_message(session, reporter, "status", reporter_status_text(reporter.lang, ref=report.ref, closed=closed), f"status:{event}:{incident.id}:{reporter.id}", now=now)
