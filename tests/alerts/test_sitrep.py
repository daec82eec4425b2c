"""The daily situation report: counts, open incidents and trend per coordinator's area, chart on Telegram."""

from __future__ import annotations

from datetime import timedelta

from alerts.sitrep import send_sitreps, sitrep_text, summarise
from ingest.network import attach_channel
from models.schema import Incident, Member
from tests.alerts.conftest import T0, add_report, deliver_now, outbox

KAMALA_TG = 700000004
RAJ_SMS = "+9779800000099"


def test_coordinators_get_their_areas_report_with_a_chart_on_telegram_and_text_by_sms(network_rt, sandbox, no_limits) -> None:
    with network_rt.session() as session:
        raj = Member(id="m-raj", name="Raj", role="coordinator", region_id="np-banke", lang="en")
        session.add(raj)
        session.flush()
        attach_channel(session, network_rt.vault, raj, "sms", RAJ_SMS)
        for day in range(1, 8):
            add_report(session, "dispute over water", "intergroup_tension", 1, "np-banke", sender=f"h{day}", at=T0 - timedelta(days=day))
        for n in range(4):
            add_report(session, "tension at the river", "intergroup_tension", 1, "np-banke", sender=f"t{n}", at=T0 - timedelta(hours=n + 1))
        add_report(session, "rumour that the well was poisoned", "rumour", 1, "np-kapilvastu", sender="r", at=T0 - timedelta(hours=2))
        add_report(session, "armed men moving to the village", "armed_mobilisation", 2, "np-kapilvastu", sender="m", at=T0 - timedelta(hours=3))
        add_report(session, "fight in kirkuk", "intergroup_tension", 2, "iq-kirkuk", sender="k", at=T0 - timedelta(hours=3))
        session.add(Incident(ref="OPEN1", region_id="np-kapilvastu", category="armed_mobilisation", severity=2, confidence=0.8, first_seen=T0, last_seen=T0))
        session.add(Incident(ref="SHUT1", region_id="np-banke", category="crime", severity=2, confidence=0.8, first_seen=T0, last_seen=T0, status="closed"))
        stats = send_sitreps(session, T0)
        again = send_sitreps(session, T0 + timedelta(hours=1))
        session.commit()
    deliver_now(network_rt, T0)

    assert stats == {"queued": 2, "areas": 2} and again["queued"] == 0
    box = outbox(sandbox)
    (kamala,) = [m for m in box if m["to"] == KAMALA_TG]
    assert kamala["kind"] == "photo"
    # Lumbini and everything under it: Banke's 4 + Kapilvastu's 2 today, 7 over the week before (1.0 a day).
    assert kamala["text"].startswith("TOCSIN daily Lumbini Province 27/11: 6 reports (0 critical, 1 elevated, 5 concern), rising vs 7-day average 1.0/day. Open: OPEN1.")
    assert "tension between groups 4" in kamala["text"] and "Kirkuk" not in kamala["text"]
    (raj_sms,) = [m for m in box if m["to"] == RAJ_SMS]
    assert raj_sms["channel"] == "sms" and raj_sms["text"].startswith("TOCSIN daily Banke 27/11: 4 reports") and "Open: -." in raj_sms["text"]


def test_the_chart_is_a_png_and_the_text_fits_two_segments_in_every_language(network_rt) -> None:
    from alerts.segments import segments
    from alerts.sitrep import chart
    from alerts.templates import LANGS

    with network_rt.session() as session:
        for n in range(30):
            add_report(session, "tension", "intergroup_tension" if n % 2 else "crime", 1 + n % 3 if n % 3 else 1, "np-banke", sender=f"s{n}", at=T0 - timedelta(hours=n * 5))
        summary = summarise(session, "Lumbini Province", {"np-lumbini", "np-banke"}, T0)
    png = chart(summary)
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    for lang in LANGS:
        assert segments(sitrep_text(summary, lang)) <= 2
