"""Escalation: an alert nobody acknowledged by its deadline goes to the next tier."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.routing import RoutingRules, rule_by_name, send_tier
from models.schema import Alert, Incident


def escalate(session: Session, rules: RoutingRules, now: datetime) -> dict[str, int]:
    """For each unacknowledged incident whose current tier is past its deadline, alert the next tier."""
    escalated = exhausted = 0
    overdue = session.scalars(select(Alert).where(Alert.status == "open", Alert.deadline_at <= now)).all()
    by_incident: dict[int, list[Alert]] = {}
    for alert in overdue:
        by_incident.setdefault(alert.incident_id, []).append(alert)
    for incident_id, alerts in by_incident.items():
        incident = session.get(Incident, incident_id)
        if incident is None or incident.acknowledged_by is not None or incident.status != "open":
            continue
        current_tier = max(a.tier for a in session.scalars(select(Alert).where(Alert.incident_id == incident_id)))
        if min(a.tier for a in alerts) < current_tier:
            for alert in alerts:
                if alert.tier < current_tier:
                    alert.status = "escalated"
            continue
        rule = rule_by_name(rules, alerts[0].rule.split("#", 1)[0])
        sent = 0
        next_tier = current_tier + 1
        while rule is not None and next_tier < len(rule.tiers) and sent == 0:
            sent = send_tier(session, rules, incident, rule, next_tier, now, f"escalated: tier {current_tier} did not acknowledge")
            next_tier += 1
        for alert in alerts:
            alert.status = "escalated" if sent else "overdue"
        if sent:
            escalated += 1
        else:
            exhausted += 1
    return {"escalated": escalated, "exhausted": exhausted}
