"""The daily situation report: each coordinator's area in counts, open incidents and trend, with a chart.

Telegram gets the chart as a photo with the summary as its caption; SMS gets
the summary alone, held to two segments like every alert.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.chart import sitrep_chart
from alerts.outbox import queue_message
from alerts.templates import TREND_WORDS, category_name, lang_of, render
from models.schema import Incident, Member, Region, Signal

DAY = timedelta(days=1)
HISTORY_DAYS = 7
TREND_RATIO = 0.25  # a day 25 % above or below the week's average is a trend
TREND_MIN_CHANGE = 2


@dataclass(frozen=True)
class Summary:
    """What one area's report says, before it is put into words."""

    name: str
    day: date
    by_severity: dict[int, int]
    by_category: dict[str, int]
    by_day: dict[date, dict[int, int]]
    average: float
    trend: str
    open_refs: list[str]

    @property
    def total(self) -> int:
        return sum(self.by_severity.values())


def subtree(regions: list[Region], root: str) -> set[str]:
    """A region and everything under it."""
    children: dict[str | None, list[str]] = {}
    for region in regions:
        children.setdefault(region.parent_id, []).append(region.id)
    found, stack = set(), [root]
    while stack:
        current = stack.pop()
        if current not in found:
            found.add(current)
            stack.extend(children.get(current, []))
    return found


def summarise(session: Session, name: str, region_ids: set[str] | None, now: datetime) -> Summary:
    """Counts for the 24 h before ``now`` and the week before that, for the given regions (None: all)."""
    start = now - DAY * (HISTORY_DAYS + 1)
    query = select(Signal.severity, Signal.category, Signal.created_at).where(Signal.severity >= 1, Signal.created_at > start, Signal.created_at <= now)
    if region_ids is not None:
        query = query.where(Signal.region_id.in_(region_ids))
    by_day: dict[date, Counter[int]] = {}
    today: Counter[int] = Counter()
    categories: Counter[str] = Counter()
    history = 0
    for severity, category, created in session.execute(query):
        age = (now - created) // DAY
        day = (now - age * DAY).date()
        by_day.setdefault(day, Counter())[severity] += 1
        if age == 0:
            today[severity] += 1
            categories[category] += 1
        else:
            history += 1
    average = history / HISTORY_DAYS
    total = sum(today.values())
    if total - average >= TREND_MIN_CHANGE and total > average * (1 + TREND_RATIO):
        trend = "up"
    elif average - total >= TREND_MIN_CHANGE and total < average * (1 - TREND_RATIO):
        trend = "down"
    else:
        trend = "flat"
    incidents = select(Incident.ref).where(Incident.status.in_(("open", "acknowledged"))).order_by(Incident.severity.desc(), Incident.first_seen)
    if region_ids is not None:
        incidents = incidents.where(Incident.region_id.in_(region_ids))
    return Summary(name, now.date(), dict(today), dict(categories), {d: dict(c) for d, c in by_day.items()}, average, trend, list(session.scalars(incidents)))


def sitrep_text(summary: Summary, lang: str | None) -> str:
    """The summary in the coordinator's language, within two SMS segments."""
    code = lang_of(lang)
    top = ", ".join(f"{category_name(c, code)} {n}" for c, n in sorted(summary.by_category.items(), key=lambda kv: (-kv[1], kv[0]))) or "-"
    return render(
        "sitrep", code,
        where=summary.name, day=summary.day.strftime("%d/%m"), total=summary.total,
        c3=summary.by_severity.get(3, 0), c2=summary.by_severity.get(2, 0), c1=summary.by_severity.get(1, 0),
        trend=TREND_WORDS[summary.trend][code], avg=f"{summary.average:.1f}",
        open=", ".join(summary.open_refs) or "-", top=top,
    )


def chart(summary: Summary) -> bytes:
    """The summary's chart as PNG bytes."""
    days = [summary.day - timedelta(days=i) for i in range(HISTORY_DAYS, -1, -1)]
    return sitrep_chart(f"{summary.name} — {summary.day:%d/%m/%Y}", days, summary.by_day, summary.by_category)


def send_sitreps(session: Session, now: datetime) -> dict[str, int]:
    """Queue today's report for every coordinator, about their region and everything under it."""
    regions = list(session.scalars(select(Region)))
    names = {r.id: r.name for r in regions}
    coordinators = session.scalars(select(Member).where(Member.role == "coordinator", Member.opted_out.is_(False)).order_by(Member.id)).all()
    summaries: dict[str | None, Summary] = {}
    pictures: dict[str | None, bytes] = {}
    queued = 0
    for member in coordinators:
        scope = member.region_id
        if scope not in summaries:
            ids = subtree(regions, scope) if scope else None
            summaries[scope] = summarise(session, names.get(scope, "all regions") if scope else "all regions", ids, now)
        summary = summaries[scope]
        delivery = queue_message(session, member, "sitrep", sitrep_text(summary, member.lang), f"sitrep:{scope or '*'}:{summary.day.isoformat()}:{member.id}", now=now)
        if delivery is None:
            continue
        channel = next((c for c in member.channels if c.id == delivery.channel_id), None)
        if channel is not None and channel.channel == "telegram":
            if scope not in pictures:
                pictures[scope] = chart(summary)
            delivery.photo = pictures[scope]
        queued += 1
    return {"queued": queued, "areas": len(summaries)}
