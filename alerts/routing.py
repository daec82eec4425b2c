"""Routing incidents to people: ordered rules of region, category and severity → tiers of recipients."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.outbox import queue_message
from alerts.templates import ack_button, alert_text, spike_text
from classifiers.taxonomy import CATEGORIES
from models.schema import Alert, Incident, Member, Region

DEFAULT_RULES = Path(__file__).parent / "data" / "routing.yaml"
ROLES = {"reporter", "focal_person", "police_liaison", "coordinator"}


DEFAULT_DEADLINES: dict[int, timedelta] = {3: timedelta(minutes=10), 2: timedelta(minutes=60)}


class RoutingFileError(ValueError):
    """The routing file is not usable; the message lists every problem, each naming its rule."""


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
    deadlines: dict[int, timedelta] = field(default_factory=dict)


@dataclass(frozen=True)
class RoutingRules:
    rules: tuple[Rule, ...]
    deadlines: dict[int, timedelta] = field(default_factory=lambda: dict(DEFAULT_DEADLINES))
    quiet_start: time | None = None
    quiet_end: time | None = None
    quiet_tz: str = "UTC"

    def deadline(self, severity: int, rule: Rule | None = None) -> timedelta:
        """How long the current tier has to acknowledge before the next is told."""
        for table in (rule.deadlines if rule else {}, self.deadlines, DEFAULT_DEADLINES):
            if severity in table:
                return table[severity]
        return DEFAULT_DEADLINES[2]

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


TOP_KEYS = {"ack_deadline_minutes", "quiet_hours", "rules"}
RULE_KEYS = {"name", "kind", "regions", "categories", "min_severity", "tiers", "ack_deadline_minutes"}
TIER_KEYS = {"roles", "members", "scope"}
SCOPES = ("region", "region_and_parents", "everywhere")
KINDS = ("incident", "spike")


def rules_path(routing_file: Path | None, network_file: Path | None) -> Path | None:
    """The routing file to use: the one named, else ``routing.yaml`` next to the network file, else the defaults."""
    if routing_file is not None:
        return routing_file
    if network_file is not None and (Path(network_file).parent / "routing.yaml").exists():
        return Path(network_file).parent / "routing.yaml"
    return None


def load_rules(path: Path | None = None) -> RoutingRules:
    """Parse and validate a routing YAML file (the shipped defaults when ``path`` is None)."""
    source = Path(path or DEFAULT_RULES)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RoutingFileError(f"{source}: no such file") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RoutingFileError(f"{source}: not valid YAML: {exc}") from None
    problems: list[str] = []
    rules = _parse(data if data is not None else {}, problems)
    if problems:
        raise RoutingFileError(f"{source}: " + "; ".join(problems))
    return rules


def _parse(data: Any, problems: list[str]) -> RoutingRules:
    if not isinstance(data, dict):
        problems.append("expected a mapping with 'rules', 'ack_deadline_minutes' and 'quiet_hours'")
        return RoutingRules(())
    for key in sorted(set(data) - TOP_KEYS):
        problems.append(f"unknown key {key!r} (expected {', '.join(sorted(TOP_KEYS))})")
    deadlines = _deadlines(data.get("ack_deadline_minutes"), "ack_deadline_minutes", problems) or dict(DEFAULT_DEADLINES)
    quiet_start, quiet_end, quiet_tz = _quiet(data.get("quiet_hours"), problems)
    specs = data.get("rules")
    if not isinstance(specs, list) or not specs:
        problems.append("'rules' must be a non-empty list")
        specs = []
    rules = []
    names: set[str] = set()
    for i, spec in enumerate(specs):
        rule = _rule(spec, i, problems)
        if rule is None:
            continue
        if rule.name in names:
            problems.append(f"rule {rule.name}: the name is used twice")
        names.add(rule.name)
        rules.append(rule)
    return RoutingRules(tuple(rules), deadlines, quiet_start, quiet_end, quiet_tz)


def _rule(spec: Any, index: int, problems: list[str]) -> Rule | None:
    if not isinstance(spec, dict):
        problems.append(f"rule #{index + 1}: expected a mapping")
        return None
    name = str(spec.get("name") or f"rule-{index + 1}")
    where = f"rule {name}"
    for key in sorted(set(spec) - RULE_KEYS):
        problems.append(f"{where}: unknown key {key!r} (expected {', '.join(sorted(RULE_KEYS))})")
    kind = str(spec.get("kind", "incident"))
    if kind not in KINDS:
        problems.append(f"{where}: kind must be one of {', '.join(KINDS)}, not {kind!r}")
    min_severity = spec.get("min_severity", 2)
    if not isinstance(min_severity, int) or isinstance(min_severity, bool) or not 1 <= min_severity <= 3:
        problems.append(f"{where}: min_severity must be 1, 2 or 3, not {min_severity!r}")
        min_severity = 2
    categories = _strings(spec.get("categories"), f"{where}: categories", problems)
    unknown = sorted(set(categories) - CATEGORIES)
    if unknown:
        problems.append(f"{where}: unknown categories {unknown} (see TAXONOMY.md)")
    regions = _strings(spec.get("regions"), f"{where}: regions", problems)
    tiers = []
    raw_tiers = spec.get("tiers")
    if not isinstance(raw_tiers, list) or not raw_tiers:
        problems.append(f"{where}: needs a non-empty list of tiers")
        raw_tiers = []
    for t, tier in enumerate(raw_tiers):
        parsed = _tier(tier, f"{where} tier {t + 1}", problems)
        if parsed is not None:
            tiers.append(parsed)
    deadlines = _deadlines(spec.get("ack_deadline_minutes"), f"{where}: ack_deadline_minutes", problems) or {}
    return Rule(name=name, tiers=tuple(tiers), regions=tuple(regions), categories=tuple(categories), min_severity=min_severity, kind=kind, deadlines=deadlines)


def _tier(spec: Any, where: str, problems: list[str]) -> Tier | None:
    if not isinstance(spec, dict):
        problems.append(f"{where}: expected a mapping with roles and/or members")
        return None
    for key in sorted(set(spec) - TIER_KEYS):
        problems.append(f"{where}: unknown key {key!r} (expected {', '.join(sorted(TIER_KEYS))})")
    roles = _strings(spec.get("roles"), f"{where}: roles", problems)
    unknown = sorted(set(roles) - ROLES)
    if unknown:
        problems.append(f"{where}: unknown role(s) {unknown} (one of {', '.join(sorted(ROLES))})")
    members = _strings(spec.get("members"), f"{where}: members", problems)
    if not roles and not members:
        problems.append(f"{where}: names neither roles nor members")
    scope = spec.get("scope", "region")
    if scope not in SCOPES:
        problems.append(f"{where}: scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        scope = "region"
    return Tier(roles=tuple(roles), members=tuple(members), scope=scope)


def _strings(value: Any, where: str, problems: list[str]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        problems.append(f"{where} must be a list of names")
        return []
    return [str(v) for v in value]


def _deadlines(value: Any, where: str, problems: list[str]) -> dict[int, timedelta] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        problems.append(f"{where} must map severity (2, 3) to minutes")
        return None
    out = {}
    for severity, minutes in value.items():
        if str(severity) not in ("1", "2", "3"):
            problems.append(f"{where}: severity must be 1, 2 or 3, not {severity!r}")
        elif not isinstance(minutes, (int, float)) or isinstance(minutes, bool) or minutes <= 0:
            problems.append(f"{where}: minutes for severity {severity} must be a positive number, not {minutes!r}")
        else:
            out[int(severity)] = timedelta(minutes=float(minutes))
    return out


def _quiet(value: Any, problems: list[str]) -> tuple[time | None, time | None, str]:
    if value is None:
        return None, None, "UTC"
    if not isinstance(value, dict) or set(value) - {"start", "end", "timezone"}:
        problems.append("quiet_hours must be a mapping with start, end (HH:MM) and timezone")
        return None, None, "UTC"
    bounds = []
    for key in ("start", "end"):
        raw = value.get(key)
        try:
            bounds.append(time.fromisoformat(str(raw)) if raw is not None else None)
        except ValueError:
            problems.append(f"quiet_hours {key} must be HH:MM, not {raw!r}")
            bounds.append(None)
    if (bounds[0] is None) != (bounds[1] is None):
        problems.append("quiet_hours needs both start and end")
    tz = str(value.get("timezone", "UTC"))
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(f"quiet_hours timezone {tz!r} is not a known time zone")
        tz = "UTC"
    return bounds[0], bounds[1], tz


def check_against_network(session: Session, rules: RoutingRules) -> list[str]:
    """Rules that name regions or members the network does not have (they would never match or reach anyone)."""
    regions = set(session.scalars(select(Region.id)))
    members = set(session.scalars(select(Member.id)))
    problems = []
    for rule in rules.rules:
        problems += [f"rule {rule.name}: unknown region {r}" for r in rule.regions if r not in regions]
        problems += [f"rule {rule.name}: unknown member {m}" for rule_tier in rule.tiers for m in rule_tier.members if m not in members]
    return problems


def ancestors(session: Session, region_id: str | None) -> list[str]:
    """``region_id`` and its parents, nearest first."""
    chain: list[str] = []
    current = session.get(Region, region_id) if region_id else None
    while current is not None and current.id not in chain:
        chain.append(current.id)
        current = session.get(Region, current.parent_id) if current.parent_id else None
    return chain


def match_rule(rules: RoutingRules, session: Session, incident: Incident) -> Rule | None:
    """The rule for this incident: the one naming the nearest region (children inherit), then file order."""
    chain = ancestors(session, incident.region_id)
    best: tuple[int, int, Rule] | None = None
    for order, rule in enumerate(rules.rules):
        if rule.kind != incident.kind:
            continue
        if rule.kind == "incident" and incident.severity < rule.min_severity:
            continue
        if rule.categories and incident.category not in rule.categories:
            continue
        if rule.regions:
            depths = [chain.index(r) for r in rule.regions if r in chain]
            if not depths:
                continue
            distance = min(depths)
        else:
            distance = len(chain) + 1  # a rule for everywhere yields to any rule naming the place
        if best is None or (distance, order) < best[:2]:
            best = (distance, order, rule)
    return best[2] if best else None


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
        named = session.get(Member, member_id)
        if named is not None and not named.opted_out:
            members[named.id] = named
    return list(members.values())


def region_name(session: Session, region_id: str | None) -> str:
    """How a place is named in alerts."""
    region = session.get(Region, region_id) if region_id else None
    return region.name if region else "?"


def send_tier(session: Session, rules: RoutingRules, incident: Incident, rule: Rule, tier_index: int, now: datetime, reason: str) -> int:
    """Alert every member of one tier who has not been alerted about this incident yet."""
    if tier_index >= len(rule.tiers):
        return 0
    recipients = tier_members(session, incident, rule.tiers[tier_index])
    already = set(session.scalars(select(Alert.member_id).where(Alert.incident_id == incident.id)))
    send_at = now
    if incident.severity < 3 and rules.in_quiet_hours(now):
        send_at = rules.quiet_ends(now)  # non-critical alerts wait for the morning
    deadline = send_at + rules.deadline(incident.severity, rule)
    fresh = [member for member in recipients if member.id not in already]
    alerts = [Alert(incident_id=incident.id, member_id=member.id, tier=tier_index, rule=f"{rule.name}#tier{tier_index}: {reason}", status="open", created_at=now, deadline_at=deadline) for member in fresh]
    session.add_all(alerts)
    session.flush()
    texts: dict[str, str] = {}  # one rendering per language, however many recipients
    for member, alert in zip(fresh, alerts):
        if member.lang not in texts:
            texts[member.lang] = render(session, incident, member.lang)
        queue_message(session, member, "alert", texts[member.lang], f"alert:{alert.id}", alert_id=alert.id, reply_markup=ack_button(incident.ref), now=send_at)
    return len(alerts)


def render(session: Session, incident: Incident, lang: str) -> str:
    """The alert text for one incident in one language."""
    where = region_name(session, incident.region_id)
    if incident.kind == "spike":
        detail = incident.detail or {}
        return spike_text(lang, region=where, count=int(detail.get("count", incident.report_count)), hours=int(detail.get("hours", 6)), baseline=float(detail.get("daily_rate", 0.0)), ref=incident.ref)
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
    """The rule an alert records, so escalation follows the same tiers."""
    if name == "fallback-coordinators":
        return Rule(name=name, tiers=(Tier(roles=("coordinator",), scope="everywhere"),))
    return next((r for r in rules.rules if r.name == name), None)
