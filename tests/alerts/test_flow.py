"""End to end through the sandbox with the real clients: report → incident → alerts → ACK or escalation."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models.schema import Alert, Delivery, Incident, Member
from tests.alerts.conftest import T0, control, deliver_now, ingest_and_classify, later, outbox, run_stages, sms_in

BIKASH = "+9779800000005"  # reporter in Banke
SITA_TG, SITA_SMS = 700000001, "+9779800000001"  # Banke focal person
THAPA_TG = 700000003  # Lumbini police liaison
KAMALA_TG = 700000004  # Lumbini coordinator
ATTACK = "armed men attacked the market in kohalpur, 2 people shot dead"


def alerts_in(box: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [m for m in box if m["text"].startswith("TOCSIN") and "ACK" in m["text"]]


def critical_attack(rt: Any, sandbox: Any) -> Incident:
    sms_in(sandbox, BIKASH, ATTACK)
    ingest_and_classify(rt, T0, "attack_on_civilians", 3, "np-banke")
    run_stages(rt, T0)
    with rt.session() as session:
        return session.scalars(select(Incident)).one()


def test_a_critical_report_reaches_exactly_the_routed_recipients_once(network_rt, sandbox, no_limits) -> None:
    incident = critical_attack(network_rt, sandbox)
    again = run_stages(network_rt, later(1))

    sent = alerts_in(outbox(sandbox))
    # critical-default tier 0: focal persons and police liaisons of Banke and its parent Lumbini (not Kapilvastu's).
    assert sorted(m["to"] for m in sent) == [SITA_TG, THAPA_TG]
    assert all(incident.ref in m["text"] and m["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"ack:{incident.ref}" for m in sent)
    assert again["route"]["alerts"] == 0 and again["deliver"]["sent"] == 0
    with network_rt.session() as session:
        rules = {a.member_id: a.rule for a in session.scalars(select(Alert))}
    assert rules == {"m-sita": "critical-default#tier0: new incident", "m-inspector-thapa": "critical-default#tier0: new incident"}


def test_corroborating_reports_update_the_incident_without_new_alerts(network_rt, sandbox, no_limits) -> None:
    first = critical_attack(network_rt, sandbox)
    sms_in(sandbox, "+9779811111111", "gunmen attacked kohalpur market, two people shot dead")
    sms_in(sandbox, "+9779822222222", "shooting at the kohalpur market, people dead, armed men")
    ingest_and_classify(network_rt, later(5), "attack_on_civilians", 3, "np-banke")
    before = len(alerts_in(outbox(sandbox)))
    stats = run_stages(network_rt, later(5))

    with network_rt.session() as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.id == first.id
        assert (incident.report_count, incident.reporter_count) == (3, 3)
        assert incident.confidence > first.confidence
        assert len(session.scalars(select(Alert)).all()) == 2
    assert stats["correlate"] == {"opened": 0, "updated": 2}
    assert stats["route"]["alerts"] == 0
    assert len(alerts_in(outbox(sandbox))) == before


def test_an_unacknowledged_alert_escalates_at_its_deadline(network_rt, sandbox, no_limits) -> None:
    critical_attack(network_rt, sandbox)
    assert run_stages(network_rt, later(9.9))["escalate"] == {"escalated": 0, "exhausted": 0}
    assert run_stages(network_rt, later(10))["escalate"] == {"escalated": 1, "exhausted": 0}
    assert run_stages(network_rt, later(11))["escalate"] == {"escalated": 0, "exhausted": 0}

    sent = alerts_in(outbox(sandbox))
    assert sorted(m["to"] for m in sent) == [SITA_TG, THAPA_TG, KAMALA_TG]
    with network_rt.session() as session:
        kamala = session.scalars(select(Alert).where(Alert.member_id == "m-kamala")).one()
        assert kamala.tier == 1 and kamala.rule.startswith("critical-default#tier1: escalated")
        assert kamala.deadline_at == later(20)
        assert {a.status for a in session.scalars(select(Alert).where(Alert.tier == 0))} == {"escalated"}
    # The last tier unanswered too: nobody left to tell, and that is reported, once.
    assert run_stages(network_rt, later(20))["escalate"] == {"escalated": 0, "exhausted": 1}
    assert run_stages(network_rt, later(30))["escalate"] == {"escalated": 0, "exhausted": 0}


def test_an_sms_ack_stops_escalation_tells_the_others_and_the_reporter(network_rt, sandbox, no_limits) -> None:
    with network_rt.session() as session:
        session.get(Member, "m-bikash").status_updates = True
        session.commit()
    incident = critical_attack(network_rt, sandbox)
    sms_in(sandbox, SITA_SMS, f"ack {incident.ref.lower()}")
    from tocsin import pipeline

    pipeline.ingest_sms(network_rt, later(3))
    run_stages(network_rt, later(3))
    assert run_stages(network_rt, later(30))["escalate"] == {"escalated": 0, "exhausted": 0}

    box = outbox(sandbox)
    assert KAMALA_TG not in [m["to"] for m in box]
    to_thapa = [m["text"] for m in box if m["to"] == THAPA_TG]
    assert len(to_thapa) == 2 and "Sita (focal person)" in to_thapa[1] and incident.ref in to_thapa[1]
    to_sita_sms = [m["text"] for m in box if m["to"] == SITA_SMS]
    assert len(to_sita_sms) == 1 and incident.ref in to_sita_sms[0]  # the confirmation goes back on the channel the ACK came from
    to_bikash = [m["text"] for m in box if m["to"] == BIKASH]
    assert len(to_bikash) == 2  # the receipt of the report, then the status message
    with network_rt.session() as session:
        acked = session.get(Incident, incident.id)
        assert (acked.status, acked.acknowledged_by) == ("acknowledged", "m-sita")


def test_a_telegram_button_ack_takes_the_incident_and_a_second_ack_is_told_who_has_it(network_rt, sandbox, no_limits) -> None:
    incident = critical_attack(network_rt, sandbox)
    message = next(m for m in outbox(sandbox) if m["to"] == THAPA_TG)
    control(sandbox, "telegram/messages", {"user_id": THAPA_TG, "callback_data": f"ack:{incident.ref}", "message_id": message["id"]})
    control(sandbox, "telegram/messages", {"user_id": SITA_TG, "text": f"ACK {incident.ref}"})
    from tocsin import pipeline

    pipeline.ingest_telegram(network_rt, later(2))
    run_stages(network_rt, later(2))

    with network_rt.session() as session:
        assert session.get(Incident, incident.id).acknowledged_by == "m-inspector-thapa"
    to_sita = [m["text"] for m in outbox(sandbox) if m["to"] == SITA_TG]
    # Her alert, then one notice that Thapa took it (her own late ACK is answered with the same notice, not twice).
    assert len(to_sita) == 2 and "Inspector Thapa (police liaison)" in to_sita[1]
    assert run_stages(network_rt, later(15))["escalate"]["escalated"] == 0


def test_a_blocked_bot_marks_the_channel_and_fails_over_to_sms(network_rt, sandbox, no_limits) -> None:
    control(sandbox, "telegram/block", {"chat_id": SITA_TG})
    critical_attack(network_rt, sandbox)

    box = outbox(sandbox)
    assert [m["channel"] for m in alerts_in(box) if m["to"] in (SITA_TG, SITA_SMS)] == ["sms"]
    with network_rt.session() as session:
        sita = session.get(Member, "m-sita")
        telegram = next(c for c in sita.channels if c.channel == "telegram")
        assert telegram.status == "failed" and "blocked" in telegram.status_reason
        failed = session.scalars(select(Delivery).where(Delivery.channel_id == telegram.id)).one()
        assert failed.status == "failed"


def test_an_opted_out_number_is_marked_and_the_reply_fails_over_to_telegram(network_rt, sandbox, no_limits) -> None:
    incident = critical_attack(network_rt, sandbox)
    sms_in(sandbox, SITA_SMS, f"ACK {incident.ref}")
    from tocsin import pipeline

    pipeline.ingest_sms(network_rt, later(1))
    control(sandbox, "sms/unsubscribe", {"number": SITA_SMS})
    stats = deliver_now(network_rt, later(1))

    assert stats["errors"] == {"OptedOut": 1} and stats["failed_over"] == 1
    to_sita = [m for m in outbox(sandbox) if m["to"] in (SITA_TG, SITA_SMS)]
    assert [m["channel"] for m in to_sita] == ["telegram", "telegram"] and incident.ref in to_sita[1]["text"]
    with network_rt.session() as session:
        sms = next(c for c in session.get(Member, "m-sita").channels if c.channel == "sms")
        assert sms.status == "opted_out" and "21610" in sms.status_reason


def test_no_message_to_responders_in_any_language_carries_reporter_identity(network_rt, sandbox, no_limits) -> None:
    from ingest.network import attach_channel
    from models.schema import Region
    from tocsin import pipeline

    langs = ("en", "fr", "ar", "ne", "sw", "ha")
    with network_rt.session() as session:
        session.add(Region(id="r-six", name="Sixtown", parent_id="np-lumbini"))
        session.flush()
        for i, lang in enumerate(langs):
            member = Member(id=f"m-fp-{lang}", name=f"Responder {lang}", role="focal_person", region_id="r-six", lang=lang)
            session.add(member)
            session.flush()
            attach_channel(session, network_rt.vault, member, "telegram", str(710000000 + i))
        for reporter in ("m-bikash", "m-gita"):
            session.get(Member, reporter).status_updates = True
        session.commit()
    reporters = {"numbers": [BIKASH, "+9779812345678"], "telegram": ["700000006"], "names": ["Bikash", "Gita"]}
    sms_in(sandbox, BIKASH, "zebracorn gang attacked sixtown bazaar, 4 dead")
    sms_in(sandbox, "+9779812345678", "zebracorn gang attacked the sixtown bazaar, four killed")
    control(sandbox, "telegram/messages", {"user_id": 700000006, "first_name": "Gita", "text": "zebracorn gang attack at sixtown bazaar, dead people"})
    pipeline.ingest_sms(network_rt, T0)
    pipeline.ingest_telegram(network_rt, T0)
    ingest_and_classify(network_rt, T0, "attack_on_civilians", 3, "r-six")
    run_stages(network_rt, T0)
    run_stages(network_rt, later(10))  # escalation to the coordinator
    with network_rt.session() as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.reporter_count == 3
        from alerts.acknowledge import acknowledge, close_incident

        acknowledge(session, session.get(Member, "m-fp-ar"), incident.ref, later(11))
        close_incident(session, incident, later(12))
        session.commit()
    run_stages(network_rt, later(12))

    box = outbox(sandbox)
    to_responders = [m for m in box if str(m["to"]) not in reporters["numbers"] + reporters["telegram"]]
    assert {str(m["to"]) for m in to_responders} >= {str(710000000 + i) for i in range(6)}
    assert len(to_responders) >= 14  # six alerts, the escalation, the ACK's confirmation and the notices
    for message in to_responders:
        text = message["text"]
        digits = "".join(ch for ch in text if ch.isdigit())
        for number in reporters["numbers"]:
            assert number not in text and number.lstrip("+") not in digits
        for tid in reporters["telegram"]:
            assert tid not in digits
        for name in reporters["names"]:
            assert name not in text
        assert "zebracorn" not in text.lower() and "bazaar" not in text.lower()
    to_reporters = [m for m in box if str(m["to"]) in (BIKASH, "700000006")]
    assert len(to_reporters) == 6  # to each: the receipt, "taken up" and "closed", with their own reference only
