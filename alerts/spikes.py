"""Rising tension: concern-level reports in a region against that region's own baseline.

A single concern report (tension, rumour, hate speech) alerts nobody; many of
them in a few hours where a region usually sees one a day is an early sign
worth a focal person's attention. The test is a Poisson tail: how unlikely
this many reports would be at the region's usual daily rate.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.correlate import independent_source
from models.refs import new_ref
from models.schema import Incident, Report, Signal

WINDOW = timedelta(hours=6)
BASELINE = timedelta(days=28)
MIN_COUNT = 5  # fewer reports than this are never a spike, however quiet the region
MIN_DAILY_RATE = 0.5  # a region with no history is assumed to see one report every two days
MAX_P_VALUE = 0.001
REALERT_AFTER = timedelta(hours=24)
SPIKE_SEVERITY = 2


@dataclass(frozen=True)
class Spike:
    region_id: str
    count: int
    daily_rate: float
    p_value: float


def poisson_tail(count: int, expected: float) -> float:
    """P(X >= count) for X ~ Poisson(expected)."""
    if count <= 0:
        return 1.0
    term = math.exp(-expected)
    below = term
    for k in range(1, count):
        term *= expected / k
        below += term
    return max(0.0, 1.0 - below)


def find_spikes(session: Session, now: datetime) -> list[Spike]:
    """Regions whose concern-level reports in the last WINDOW are far above their own baseline."""
    recent = dict(
        session.execute(
            select(Signal.region_id, func.count()).where(Signal.severity == 1, Signal.region_id.is_not(None), Signal.created_at > now - WINDOW, Signal.created_at <= now).group_by(Signal.region_id)
        ).all()
    )
    spikes = []
    for region_id, count in sorted(recent.items()):
        if count < MIN_COUNT:
            continue
        history = session.scalar(
            select(func.count()).select_from(Signal).where(Signal.severity == 1, Signal.region_id == region_id, Signal.created_at > now - WINDOW - BASELINE, Signal.created_at <= now - WINDOW)
        ) or 0
        daily_rate = max(history / BASELINE.days, MIN_DAILY_RATE)
        p_value = poisson_tail(count, daily_rate * WINDOW / timedelta(days=1))
        if p_value < MAX_P_VALUE:
            spikes.append(Spike(str(region_id), count, history / BASELINE.days, p_value))
    return spikes


def detect_spikes(session: Session, now: datetime) -> dict[str, int]:
    """Open a spike incident (routed like any incident) for each new spike; one per region per day."""
    opened = already = 0
    for spike in find_spikes(session, now):
        recent = session.scalar(select(Incident.id).where(Incident.kind == "spike", Incident.region_id == spike.region_id, Incident.first_seen > now - REALERT_AFTER))
        if recent is not None:
            already += 1
            continue
        rows = session.execute(
            select(Signal, Report).join(Report, Signal.report_id == Report.id).where(Signal.severity == 1, Signal.region_id == spike.region_id, Signal.created_at > now - WINDOW, Signal.created_at <= now)
        ).all()
        category = Counter(signal.category for signal, _ in rows).most_common(1)[0][0]
        session.add(
            Incident(
                ref=new_ref(5),
                kind="spike",
                region_id=spike.region_id,
                category=category,
                severity=SPIKE_SEVERITY,
                confidence=round(1.0 - spike.p_value, 4),
                report_count=spike.count,
                reporter_count=len({independent_source(report) for _, report in rows}),
                first_seen=min(signal.created_at for signal, _ in rows),
                last_seen=now,
                detail={"count": spike.count, "hours": int(WINDOW / timedelta(hours=1)), "daily_rate": round(spike.daily_rate, 2), "p_value": spike.p_value},
            )
        )
        session.flush()
        opened += 1
    return {"spikes": opened, "already_alerted": already}
