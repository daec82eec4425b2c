"""Rising tension: a region's concern-level reports against its own baseline, alerted once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from alerts.spikes import detect_spikes, poisson_tail
from models.schema import Incident
from tests.alerts.conftest import T0, add_report, deliver_now, outbox, run_stages

LAYLA_TG = 700000011  # Kirkuk focal person, Arabic


def baseline(session, region: str, per_day: int, days: int = 28) -> None:
    for day in range(1, days + 1):
        for n in range(per_day):
            add_report(session, "tension at the market again", "intergroup_tension", 1, region, sender=f"h{day}-{n}", at=T0 - timedelta(days=day, hours=n))


def burst(session, region: str, count: int) -> None:
    for n in range(count):
        add_report(session, "angry crowd shouting at the other quarter", "intergroup_tension", 1, region, sender=f"b{n}", at=T0 - timedelta(minutes=40 * n))


def test_a_rise_far_above_the_regions_own_baseline_sends_one_spike_alert(network_rt, sandbox, no_limits) -> None:
    with network_rt.session() as session:
        baseline(session, "iq-kirkuk", per_day=1)
        burst(session, "iq-kirkuk", 7)
        baseline(session, "tz-kigoma", per_day=12)  # a busy region: 7 in 6 h is its normal
        burst(session, "tz-kigoma", 7)
        stats = detect_spikes(session, T0)
        session.commit()
    again = run_stages(network_rt, T0)

    assert stats == {"spikes": 1, "already_alerted": 0}
    with network_rt.session() as session:
        spike = session.scalars(select(Incident).where(Incident.kind == "spike")).one()
        assert (spike.region_id, spike.report_count, spike.reporter_count) == ("iq-kirkuk", 7, 7)
    to_layla = [m["text"] for m in outbox(sandbox) if m["to"] == LAYLA_TG]
    assert len(to_layla) == 1
    assert "كركوك" not in to_layla[0] and "Kirkuk" in to_layla[0] and ": 7 " in to_layla[0] and " 6 " in to_layla[0] and " 1 " in to_layla[0]
    assert again["route"]["alerts"] >= 1
    with network_rt.session() as session:
        assert detect_spikes(session, T0 + timedelta(hours=1)) == {"spikes": 0, "already_alerted": 1}
    assert deliver_now(network_rt, T0 + timedelta(hours=1))["sent"] == 0


def test_a_quiet_region_needs_more_than_a_handful_to_spike(network_rt) -> None:
    with network_rt.session() as session:
        burst(session, "ly-sabha", 4)  # no history at all, but four reports are not yet a pattern
        assert detect_spikes(session, T0) == {"spikes": 0, "already_alerted": 0}
        burst(session, "ly-kufra", 6)
        assert detect_spikes(session, T0)["spikes"] == 1


def test_poisson_tail() -> None:
    assert poisson_tail(0, 2.0) == 1.0
    assert abs(poisson_tail(1, 2.0) - (1 - 0.1353352832)) < 1e-9
    assert poisson_tail(7, 0.25) < 1e-6
