"""Grouping signals into incidents: same place, same kind of event, close in time, told in similar words.

Only alert-worthy signals (severity >= 2) open incidents; concern-level ones
feed the spike detector and the situation report. Each further report updates
its incident (counts, confidence, possibly severity) instead of alerting anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.similarity import similarity
from classifiers.taxonomy import ALLOWED_SEVERITY, PRECEDENCE
from models.refs import new_ref
from models.schema import Incident, Region, Report, Signal

WINDOW = timedelta(hours=12)
CORROBORATION_RAISE = 3  # independent reporters that raise an elevated incident to critical where allowed
CLOSE_IN_TIME = timedelta(hours=1)
# How alike the texts must be, by how closely category and place agree: the looser
# the other evidence, the more the words must say it is the same event.
NEEDED_SIMILARITY = {(True, True): 0.10, (True, False): 0.25, (False, True): 0.25, (False, False): 0.35}
TIME_BONUS = 0.05
TEXTS_COMPARED = 20
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


@dataclass(frozen=True)
class Candidate:
    """An open incident a signal could belong to, and how well it fits."""

    incident: Incident
    margin: float
    same_category: bool


def _region_family(session: Session, region_id: str | None) -> dict[str | None, bool]:
    """The region, its ancestors and its children, each marked whether it is the region itself."""
    if region_id is None:
        return {None: True}
    family: dict[str | None, bool] = {region_id: True}
    current = session.get(Region, region_id)
    while current is not None and current.parent_id and current.parent_id not in family:
        family[current.parent_id] = False
        current = session.get(Region, current.parent_id)
    for child in session.scalars(select(Region.id).where(Region.parent_id == region_id)):
        family.setdefault(child, False)
    return family


def correlate(session: Session, now: datetime) -> CorrelateStats:
    """Attach every new alert-worthy signal to the open incident it describes, or open one."""
    stats = CorrelateStats()
    pending = session.scalars(select(Signal).where(Signal.incident_id.is_(None), Signal.severity >= 2).order_by(Signal.id)).all()
    for signal in pending:
        report = session.get(Report, signal.report_id)
        if report is None or report.status == "held":
            continue
        incident = _match(session, signal, report, now)
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


def _match(session: Session, signal: Signal, report: Report, now: datetime) -> Incident | None:
    """The open incident that fits best: same place (up or down the hierarchy), kind, time and words."""
    family = _region_family(session, signal.region_id)
    categories = {signal.category} | RELATED.get(signal.category, set())
    since = min(now, report.received_at) - WINDOW
    candidates = session.scalars(
        select(Incident).where(Incident.kind == "incident", Incident.status != "closed", Incident.category.in_(categories), Incident.last_seen >= since)
    ).all()
    fits = [c for c in (_fit(session, incident, signal, report, family) for incident in candidates if incident.region_id in family) if c is not None]
    if not fits:
        return None
    best = max(fits, key=lambda c: (c.margin, c.same_category, c.incident.last_seen))
    return best.incident


def _fit(session: Session, incident: Incident, signal: Signal, report: Report, family: dict[str | None, bool]) -> Candidate | None:
    same_category = incident.category == signal.category
    same_region = family.get(incident.region_id, False)
    needed = NEEDED_SIMILARITY[(same_category, same_region)]
    if abs(incident.last_seen - report.received_at) <= CLOSE_IN_TIME:
        needed -= TIME_BONUS
    texts = session.scalars(
        select(Report.text).join(Signal, Signal.report_id == Report.id).where(Signal.incident_id == incident.id).order_by(Report.id.desc()).limit(TEXTS_COMPARED)
    ).all()
    scores = [s for s in (similarity(report.text, text) for text in texts) if s is not None]
    if not scores:
        # Different scripts: the words cannot tell, so only an exact category match joins them.
        return Candidate(incident, 0.0, same_category) if same_category else None
    best = max(scores)
    return Candidate(incident, best - needed, same_category) if best >= needed else None


def independent_source(report: Report) -> str:
    """Who a report counts as: its sender, except that copies of one coordinated text count once."""
    if report.flags.get("coordinated"):
        return "copy:" + " ".join(report.text.casefold().split())
    return report.sender_hash


def refresh_incident(session: Session, incident: Incident) -> None:
    """Recompute counts, confidence, category and severity from the incident's signals."""
    rows = session.execute(select(Signal, Report).join(Report, Signal.report_id == Report.id).where(Signal.incident_id == incident.id)).all()
    if not rows:
        return
    incident.report_count = len(rows)
    incident.first_seen = min(report.received_at for _, report in rows)
    incident.last_seen = max(report.received_at for _, report in rows)
    incident.category = min((s.category for s, _ in rows), key=PRECEDENCE.index)
    severity = max(s.severity for s, _ in rows)
    # Independent reporters agreeing make it likelier; one reporter repeating does not.
    best_per_source: dict[str, float] = {}
    for signal, report in rows:
        source = independent_source(report)
        best_per_source[source] = max(best_per_source.get(source, 0.0), signal.confidence)
    incident.reporter_count = len(best_per_source)
    miss = 1.0
    for value in best_per_source.values():
        miss *= 1.0 - min(value, 0.95)
    incident.confidence = round(1.0 - miss, 4)
    if incident.reporter_count >= CORROBORATION_RAISE and 3 in ALLOWED_SEVERITY.get(incident.category, ()):
        severity = max(severity, 3)
    incident.severity = max(incident.severity, severity)
    if incident.region_id is None:
        incident.region_id = next((s.region_id for s, _ in rows if s.region_id), None)
