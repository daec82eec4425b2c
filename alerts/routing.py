"""Routing incidents to people: ordered rules of region, category and severity → tiers of recipients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import queue_message
from alerts.templates import ack_button, alert_text, spike_text
from classifiers.taxonomy import CATEGORIES
from models.schema import Alert, Incident, Member, Region

DEFAULT_RULES = Path(__file__).parent / "data" / "routing.yaml"
ROLES = {"reporter", "focal_person", "police_liaison", "coordinator"}


class RoutingFileError(ValueError):
    """The routing file is not usable; the message names the rule and the problem."""


@dataclass(frozen=True)
class Tier:
    roles: tuple[str, ...] = ()
    members: tuple[str, ...] = ()
    scope: str = "region"


@dataclass(frozen=True)
class Rule:
    name: str
    tiers: tuple[Tier, ...]
    regions: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    min_severity: int = 2
    kind: str = "incident"


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[Rule, ...]
    deadlines: dict[int, timedelta] = field(default_factory=lambda: {3: timedelta(minutes=10), 2: timedelta(minutes=60)})
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_tz: str = "UTC"

    def deadline(self, severity: int) -> timedelta:
        return self.deadlines.get(severity) or self.deadlines.get(2) or timedelta(minutes=60)

    def in_quiet_hours(self, now: datetime) -> bool:
        if self.quiet_start is None or self.quiet_end is None:
            return False
        local = now.astimezone(ZoneInfo(self.quiet_tz)).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def quiet_ends(self, now: datetime) -> datetime:
        assert self.quiet_end is not None
        local = now.astimezone(ZoneInfo(self.quiet_tz))
        end = local.replace(hour=self.quiet_end.hour, minute=self.quiet_end.minute, second=0, microsecond=0)
        if end <= local:
            end += timedelta(days=1)
        return end


def load_rules(path: Path | None = None) -> RoutingRules:
    """Parse and validate a routing YAML file (the shipped defaults when ``path`` is None)."""
    source = path or DEFAULT_RULES
    try:
        data = yaml.safe_load(Path(source).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise RoutingFileError(f"{source}: no such file") from None
    except yaml.YAMLError as exc:
        raise RoutingFileError(f"{source}: not valid YAML: {exc}") from None
    rules = []
    for i, spec in enumerate(data.get("rules") or []):
        name = str(spec.get("name") or f"rule-{i + 1}")
        tiers = []
        for tier in spec.get("tiers") or []:
            roles = tuple(tier.get("roles") or ())
            unknown = set(roles) - ROLES
            if unknown:
                raise RoutingFileError(f"{source}: rule {name}: unknown role(s) {sorted(unknown)}")
            scope = tier.get("scope", "region")
            if scope not in ("region", "region_and_parents", "everywhere"):
                raise RoutingFileError(f"{source}: rule {name}: scope must be region, region_and_parents or everywhere")
            tiers.append(Tier(roles=roles, members=tuple(str(m) for m in tier.get("members") or ()), scope=scope))
        if not tiers:
            raise RoutingFileError(f"{source}: rule {name} has no tiers")
        categories = tuple(spec.get("categories") or ())
        if set(categories) - CATEGORIES:
            raise RoutingFileError(f"{source}: rule {name}: unknown categories {sorted(set(categories) - CATEGORIES)}")
        rules.append(Rule(name=name, tiers=tuple(tiers), regions=tuple(spec.get("regions") or ()), categories=categories, min_severity=int(spec.get("min_severity", 2)), kind=str(spec.get("kind", "incident"))))
    deadlines = {int(k): timedelta(minutes=float(v)) for k, v in (data.get("ack_deadline_minutes") or {3: 10, 2: 60}).items()}
    quiet = data.get("quiet_hours") or {}
    parse = lambda v: time.fromisoformat(str(v)) if v else None  # noqa: E731
    return RoutingRules(tuple(rules), deadlines, parse(quiet.get("start")), parse(quiet.get("end")), str(quiet.get("timezone", "UTC")))


def ancestors(session: Session, region_id: str | None) -> list[str]:
    """``region_id`` and its parents, nearest first."""
    chain: list[str] = []
    current = session.get(Region, region_id) if region_id else None
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = session.get(Region, current.parent_id) if current.parent_id else None
    return chain


def match_rule(rules: RoutingRules, session: Session, incident: Incident) -> Rule | None:
    chain = set(ancestors(session, incident.region_id))
    for rule in rules.rules:
        if rule.kind != incident.kind:
            continue
        if rule.kind == "incident" and incident.severity < rule.min_severity:
            continue
        if rule.categories and incident.category not in rule.categories:
            continue
        if rule.regions and not chain.intersection(rule.regions):
            continue
        return rule
    return None


def tier_members(session: Session, incident: Incident, tier: Tier) -> list[Member]:
    """Who a tier names for this incident: by role within scope, plus named members."""
    if tier.scope == "everywhere" or incident.region_id is None:
        regions = None
    elif tier.scope == "region":
        regions = [incident.region_id]
    else:
        regions = ancestors(session, incident.region_id)
    members: dict[str, Member] = {}
    if tier.roles:
        query = select(Member).where(Member.role.in_(tier.roles), Member.opted_out.is_(False))
        if regions is not None:
            query = query.where(Member.region_id.in_(regions))
        for member in session.scalars(query.order_by(Member.id)):
            members[member.id] = member
    for member_id in tier.members:
        member = session.get(Member, member_id)
        if member is not None and not member.opted_out:
            members[member.id] = member
    return list(members.values())


def region_name(session: Session, region_id: str | None) -> str:
    region = session.get(Region, region_id) if region_id else None
    return region.name if region else "?"


def send_tier(session: Session, rules: RoutingRules, incident: Incident, rule: Rule, tier_index: int, now: datetime, reason: str) -> int:
    """Alert every member of one tier who has not been alerted about this incident yet."""
    if tier_index >= len(rule.tiers):
        return 0
    recipients = tier_members(session, incident, rule.tiers[tier_index])
    already = set(session.scalars(select(Alert.member_id).where(Alert.incident_id == incident.id)))
    deadline = now + rules.deadline(incident.severity)
    send_at = now
    if incident.severity < 3 and rules.in_quiet_hours(now):
        send_at = rules.quiet_ends(now)
        deadline = send_at + rules.deadline(incident.severity)
    count = 0
    for member in recipients:
        if member.id in already:
            continue
        alert = Alert(incident_id=incident.id, member_id=member.id, tier=tier_index, rule=f"{rule.name}#tier{tier_index}: {reason}", status="open", created_at=now, deadline_at=deadline)
        session.add(alert)
        session.flush()
        queue_message(session, member, "alert", render(session, incident, member.lang), f"alert:{alert.id}", alert_id=alert.id, reply_markup=ack_button(incident.ref), now=send_at)
        count += 1
    return count


def render(session: Session, incident: Incident, lang: str) -> str:
    where = region_name(session, incident.region_id)
    if incident.kind == "spike":
        meta = incident.summary.split("|")
        count, hours, baseline = (int(meta[0]), int(meta[1]), float(meta[2])) if len(meta) == 3 else (incident.report_count, 6, 0.0)
        return spike_text(lang, region=where, count=count, hours=hours, baseline=baseline, ref=incident.ref)
    return alert_text(lang, category=incident.category, severity=incident.severity, region=where, when=incident.first_seen, reports=incident.report_count, reporters=incident.reporter_count, ref=incident.ref)


def route(session: Session, rules: RoutingRules, now: datetime) -> dict[str, int]:
    """Alert tier 0 for every incident not yet routed at its current severity."""
    routed = alerts = 0
    incidents = session.scalars(select(Incident).where(Incident.status == "open", Incident.severity >= 2, Incident.routed_severity < Incident.severity)).all()
    for incident in incidents:
        rule = match_rule(rules, session, incident)
        if rule is None:
            rule = Rule(name="fallback-coordinators", tiers=(Tier(roles=("coordinator",), scope="everywhere"),))
        count = 0
        first_time = incident.routed_severity == 0
        for tier_index in range(len(rule.tiers)):
            count = send_tier(session, rules, incident, rule, tier_index, now, "new incident" if first_time else f"severity rose to {incident.severity}")
            if count or not first_time:
                break  # an empty tier falls through to the next; a severity rise only adds tier 0
        if not first_time:
            _notify_existing(session, incident, now)
        incident.routed_severity = incident.severity
        routed += 1
        alerts += count
    return {"incidents": routed, "alerts": alerts}


def _notify_existing(session: Session, incident: Incident, now: datetime) -> None:
    """Tell everyone already alerted that the incident's severity rose (once per level)."""
    for alert in session.scalars(select(Alert).where(Alert.incident_id == incident.id, Alert.status.in_(("open", "acknowledged")))):
        member = session.get(Member, alert.member_id)
        if member is not None:
            queue_message(session, member, "alert", render(session, incident, member.lang), f"update:{incident.id}:{incident.severity}:{member.id}", alert_id=alert.id, reply_markup=ack_button(incident.ref), now=now)


def rule_by_name(rules: RoutingRules, name: str) -> Rule | None:
    if name == "fallback-coordinators":
        return Rule(name=name, tiers=(Tier(roles=("coordinator",), scope="everywhere"),))
    return next((r for r in rules.rules if r.name == name), None)
