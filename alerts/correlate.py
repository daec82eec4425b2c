"""Grouping signals into incidents: same place, same kind of event, close in time.

Only alert-worthy signals (severity >= 2) open incidents; concern-level ones
feed the spike detector and the situation report. Each further report updates
its incident (counts, confidence, possibly severity) instead of alerting anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from classifiers.taxonomy import ALLOWED_SEVERITY, PRECEDENCE, is_alert_worthy
from models.refs import new_ref
from models.schema import Incident, Region, Report, Signal

WINDOW = timedelta(hours=12)
CORROBORATION_RAISE = 3  # independent reporters that raise an elevated incident to critical where allowed
# Categories close enough that reports of one event often land in either.
RELATED: dict[str, set[str]] = {
    "attack_on_civilians": {"armed_mobilisation", "displacement", "intergroup_tension"},
    "armed_mobilisation": {"attack_on_civilians", "threat_incitement"},
    "threat_incitement": {"armed_mobilisation"},
    "displacement": {"attack_on_civilians"},
    "intergroup_tension": {"attack_on_civilians"},
}


@dataclass
class CorrelateStats:
    opened: int = 0
    updated: int = 0
    concern: int = 0


def _region_family(session: Session, region_id: str | None) -> set[str | None]:
    """The region with its ancestors and children: a report about a town and one about its district match."""
    if region_id is None:
        return {None}
    family: set[str | None] = {region_id}
    current = session.get(Region, region_id)
    while current is not None and current.parent_id:
        family.add(current.parent_id)
        current = session.get(Region, current.parent_id)
    family.update(session.scalars(select(Region.id).where(Region.parent_id == region_id)))
    return family


def correlate(session: Session, now: datetime) -> CorrelateStats:
    """Attach every new alert-worthy signal to an open incident, or open one."""
    stats = CorrelateStats()
    pending = session.scalars(select(Signal).where(Signal.incident_id.is_(None), Signal.severity >= 1).order_by(Signal.id)).all()
    for signal in pending:
        if not is_alert_worthy(signal.severity):
            stats.concern += 1
            signal.incident_id = None
            continue
        report = session.get(Report, signal.report_id)
        if report is None or report.status == "held":
            continue
        incident = _match(session, signal, now)
        if incident is None:
            incident = Incident(
                ref=new_ref(5),
                region_id=signal.region_id,
                category=signal.category,
                severity=signal.severity,
                confidence=signal.confidence,
                first_seen=report.received_at,
                last_seen=report.received_at,
                report_count=0,
                reporter_count=0,
            )
            session.add(incident)
            session.flush()
            stats.opened += 1
        else:
            stats.updated += 1
        signal.incident_id = incident.id
        session.flush()
        refresh_incident(session, incident)
    return stats


def _match(session: Session, signal: Signal, now: datetime) -> Incident | None:
    family = _region_family(session, signal.region_id)
    categories = {signal.category} | RELATED.get(signal.category, set())
    candidates = session.scalars(
        select(Incident).where(Incident.kind == "incident", Incident.status != "closed", Incident.category.in_(categories), Incident.last_seen >= now - WINDOW)
    ).all()
    matches = [i for i in candidates if i.region_id in family or (signal.region_id is None and i.region_id is None)]
    if not matches:
        return None
    # Prefer the same category, then the most recent.
    return sorted(matches, key=lambda i: (i.category != signal.category, -i.last_seen.timestamp()))[0]


def refresh_incident(session: Session, incident: Incident) -> None:
    """Recompute counts, confidence, category and severity from the incident's signals."""
    rows = session.execute(select(Signal, Report).join(Report, Signal.report_id == Report.id).where(Signal.incident_id == incident.id)).all()
    if not rows:
        return
    reporters = {report.sender_hash for _, report in rows}
    incident.report_count = len(rows)
    incident.reporter_count = len(reporters)
    incident.first_seen = min(report.received_at for _, report in rows)
    incident.last_seen = max(report.received_at for _, report in rows)
    incident.category = min((s.category for s, _ in rows), key=PRECEDENCE.index)
    severity = max(s.severity for s, _ in rows)
    # Independent reporters agreeing make it likelier; one reporter repeating does not.
    best_per_reporter: dict[str, float] = {}
    for signal, report in rows:
        best_per_reporter[report.sender_hash] = max(best_per_reporter.get(report.sender_hash, 0.0), signal.confidence)
    miss = 1.0
    for value in best_per_reporter.values():
        miss *= 1.0 - min(value, 0.95)
    incident.confidence = round(1.0 - miss, 4)
    if incident.reporter_count >= CORROBORATION_RAISE and 3 in ALLOWED_SEVERITY.get(incident.category, ()):
        severity = max(severity, 3)
    incident.severity = max(incident.severity, severity)
    if incident.region_id is None:
        incident.region_id = next((s.region_id for s, _ in rows if s.region_id), None)
