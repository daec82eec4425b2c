"""Routing rules: a validated file, children inheriting from parents, tiers, deadlines and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from alerts.routing import RoutingFileError, check_against_network, load_rules, match_rule, route, rules_path
from models.refs import new_ref
from models.schema import Alert, Delivery, Incident
from tests.alerts.conftest import T0

RULES = """
ack_deadline_minutes: {3: 5, 2: 30}
quiet_hours: {start: "21:00", end: "06:30", timezone: Asia/Kathmandu}
rules:
  - name: lumbini-critical
    regions: [np-lumbini]
    min_severity: 3
    tiers:
      - {members: [m-ramesh]}
      - {roles: [police_liaison], scope: region_and_parents}
  - name: banke-abductions
    regions: [np-banke]
    categories: [abduction_disappearance]
    min_severity: 3
    ack_deadline_minutes: {3: 2}
    tiers:
      - {roles: [focal_person]}
  - name: everywhere
    min_severity: 2
    tiers:
      - {roles: [coordinator], scope: everywhere}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "routing.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def incident(session, region: str, category: str, severity: int) -> Incident:
    row = Incident(ref=new_ref(5), region_id=region, category=category, severity=severity, confidence=0.9, first_seen=T0, last_seen=T0)
    session.add(row)
    session.flush()
    return row


def test_the_shipped_rules_follow_the_taxonomys_severity_table() -> None:
    rules = load_rules()
    by_name = {r.name: r for r in rules.rules}
    assert set(by_name["critical-default"].tiers[0].roles) == {"focal_person", "police_liaison"}
    assert by_name["elevated-default"].tiers[0].roles == ("focal_person",)
    assert rules.deadline(3) == timedelta(minutes=10) and rules.deadline(2) == timedelta(minutes=60)


def test_the_nearest_regions_rule_wins_and_children_inherit_from_parents(network_rt, tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, RULES))
    with network_rt.session() as session:
        assert match_rule(rules, session, incident(session, "np-banke", "abduction_disappearance", 3)).name == "banke-abductions"
        assert match_rule(rules, session, incident(session, "np-banke", "attack_on_civilians", 3)).name == "lumbini-critical"  # inherited
        assert match_rule(rules, session, incident(session, "np-kapilvastu", "displacement", 2)).name == "everywhere"
        assert match_rule(rules, session, incident(session, "iq-kirkuk", "attack_on_civilians", 3)).name == "everywhere"
        assert check_against_network(session, rules) == []


def test_each_alert_records_its_rule_tier_and_deadline(network_rt, tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, RULES))
    with network_rt.session() as session:
        incident(session, "np-banke", "abduction_disappearance", 3)
        incident(session, "np-kapilvastu", "attack_on_civilians", 3)
        route(session, rules, T0)
        alerts = {(a.member_id, a.rule, a.deadline_at) for a in session.scalars(select(Alert))}
    assert alerts == {
        ("m-sita", "banke-abductions#tier0: new incident", T0 + timedelta(minutes=2)),
        ("m-ramesh", "lumbini-critical#tier0: new incident", T0 + timedelta(minutes=5)),
    }


def test_quiet_hours_hold_non_critical_alerts_until_morning_but_not_critical_ones(network_rt, tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, RULES))
    night = datetime(2026, 11, 27, 17, 0, tzinfo=UTC)  # 22:45 in Kathmandu
    morning = datetime(2026, 11, 28, 0, 45, tzinfo=UTC)  # 06:30 in Kathmandu
    with network_rt.session() as session:
        incident(session, "np-kapilvastu", "displacement", 2)
        incident(session, "np-kapilvastu", "attack_on_civilians", 3)
        route(session, rules, night)
        sends = {(a.rule.split("#")[0], d.next_attempt_at, a.deadline_at) for a, d in session.execute(select(Alert, Delivery).join(Delivery, Delivery.alert_id == Alert.id))}
    assert sends == {
        ("everywhere", morning, morning + timedelta(minutes=30)),
        ("lumbini-critical", night, night + timedelta(minutes=5)),
    }


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        ("rules: []", ["'rules' must be a non-empty list"]),
        ("rules:\n  - name: a\n    tiers: [{roles: [sherif]}]", ["rule a tier 1: unknown role(s) ['sherif']"]),
        ("rules:\n  - name: a\n    min_severity: 5\n    tiers: [{roles: [coordinator], scope: country}]", ["rule a: min_severity must be 1, 2 or 3, not 5", "rule a tier 1: scope must be one of region, region_and_parents, everywhere, not 'country'"]),
        ("rules:\n  - name: a\n    categories: [riot]\n    tiers: []", ["rule a: unknown categories ['riot']", "rule a: needs a non-empty list of tiers"]),
        ("rules:\n  - name: a\n    region: [np-banke]\n    tiers: [{}]", ["rule a: unknown key 'region'", "rule a tier 1: names neither roles nor members"]),
        ("ack_deadline_minutes: {3: 0, critical: 5}\nrules:\n  - {name: a, tiers: [{roles: [coordinator]}]}", ["minutes for severity 3 must be a positive number, not 0", "severity must be 1, 2 or 3, not 'critical'"]),
        ("quiet_hours: {start: '25:00', end: '06:00', timezone: Mars/Olympus}\nrules:\n  - {name: a, tiers: [{roles: [coordinator]}]}", ["quiet_hours start must be HH:MM, not '25:00'", "quiet_hours timezone 'Mars/Olympus' is not a known time zone"]),
        ("rules:\n  - {name: a, tiers: [{roles: [coordinator]}]}\n  - {name: a, tiers: [{roles: [coordinator]}]}", ["rule a: the name is used twice"]),
        ("rules: [unclosed", ["not valid YAML"]),
    ],
)
def test_a_bad_rules_file_is_refused_with_every_problem_named(tmp_path: Path, text: str, problems: list[str]) -> None:
    with pytest.raises(RoutingFileError) as error:
        load_rules(write(tmp_path, text))
    for problem in problems:
        assert problem in str(error.value)


def test_rules_that_name_unknown_regions_or_members_are_reported(network_rt, tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, "rules:\n  - {name: a, regions: [atlantis], tiers: [{members: [m-nobody]}]}"))
    with network_rt.session() as session:
        assert check_against_network(session, rules) == ["rule a: unknown region atlantis", "rule a: unknown member m-nobody"]


def test_the_rules_file_next_to_the_network_file_is_found(tmp_path: Path) -> None:
    network = tmp_path / "network.yaml"
    assert rules_path(None, network) is None
    write(tmp_path, RULES)
    assert rules_path(None, network) == tmp_path / "routing.yaml"
    assert rules_path(Path("/elsewhere.yaml"), network) == Path("/elsewhere.yaml")
