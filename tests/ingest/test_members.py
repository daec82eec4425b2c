"""Members: the network file, self-registration, unknown senders, several channels, STOP/START/HELP in six languages."""

from __future__ import annotations

from sqlalchemy import select

from alerts.outbox import queue_message
from ingest.commands import Command, parse_command
from ingest.replies import reply
from models.schema import Member
from tests.ingest.conftest import Members

SITA_TG, SITA_SMS, KAMALA_TG = 700000001, "+9779800000001", 700000004
STRANGER = "+255711000099"

# (member id, channel, address, STOP, HELP, START) — one member per language, the words as members type them.
KEYWORDS = [
    ("m-kamala", "telegram", KAMALA_TG, "STOP", "Help", "start"),
    ("m-cdt-traore", "sms", "+22370000034", "Arrêt", "Aide", "Démarrer"),
    ("m-ahmed", "sms", "+9647700000014", "توقف", "مساعدة", "ابدأ"),
    ("m-bikash", "sms", "+9779800000005", "रोक", "मद्दत", "सुरु"),
    ("m-baraka", "sms", "+255700000023", "Acha", "Msaada", "Anza"),
    ("m-sani", "sms", "+2348030000032", "Tsaya!", "Taimako", "Fara"),
]


def _send(members: Members, channel: str, address: str | int, text: str) -> None:
    if channel == "telegram":
        members.telegram(int(address), text)
    else:
        members.sms(str(address), text)


def _ingest(members: Members) -> None:
    members.ingest_telegram()
    members.ingest_sms()


def test_stop_help_start_in_six_languages(members: Members) -> None:
    for _, channel, address, stop, _, _ in KEYWORDS:
        _send(members, channel, address, stop)
        _send(members, channel, address, "a report sent after stopping")
    _ingest(members)
    with members.rt.session() as session:
        assert all(session.get(Member, member_id).opted_out for member_id, *_ in KEYWORDS)  # type: ignore[union-attr]
    assert members.deliveries("ack") == []
    assert len(members.reports(kind="report")) == len(KEYWORDS)  # stopped members' reports are still kept

    for _, channel, address, _, help_word, start in KEYWORDS:
        _send(members, channel, address, help_word)
        _send(members, channel, address, start)
        _send(members, channel, address, "a report after coming back")
    _ingest(members)
    with members.rt.session() as session:
        for member_id, *_ in KEYWORDS:
            member = session.get(Member, member_id)
            assert member is not None and not member.opted_out
            replies = [d.text for d in members.deliveries("reply") if d.member_id == member_id]
            assert replies == [reply("stopped", member.lang), reply("help", member.lang), reply("started", member.lang)]
    assert len(members.deliveries("ack")) == len(KEYWORDS)


def test_stop_on_one_channel_is_honoured_on_every_channel(members: Members) -> None:
    members.sms(SITA_SMS, "STOP")
    _ingest(members)
    members.telegram(SITA_TG, "report on telegram after stop by sms")
    _ingest(members)
    assert [r.member_id for r in members.reports(kind="report")] == ["m-sita"]
    assert members.deliveries("ack") == []
    with members.rt.session() as session:
        sita = session.get(Member, "m-sita")
        assert queue_message(session, sita, "alert", "an alert", "alert:test") is None  # type: ignore[arg-type]


def test_one_member_on_several_channels(members: Members) -> None:
    members.sms(SITA_SMS, "by sms")
    members.telegram(SITA_TG, "by telegram")
    _ingest(members)
    assert {r.member_id for r in members.reports()} == {"m-sita"}
    assert len({d.channel_id for d in members.deliveries("ack")}) == 2


def test_unknown_sender_is_kept_marked_and_acknowledged(members: Members) -> None:
    members.sms(STRANGER, "men with guns at the Kasulu road block")
    _ingest(members)
    (report,) = members.reports()
    assert report.trust == "unknown" and report.member_id and report.member_id.startswith("u-")
    (ack,) = members.deliveries("ack")
    assert report.ref in ack.text


def test_join_by_sms_self_registers_and_raises_trust(members: Members) -> None:
    members.sms(STRANGER, "JOIN Atlantis")
    members.sms(STRANGER, "Kasulu")
    members.sms(STRANGER, "stop the fighting near the camp")
    _ingest(members)
    unknown_area, joined = members.deliveries("reply")
    assert "Atlantis" in unknown_area.text and "Kigoma" in joined.text
    (report,) = members.reports(kind="report")
    assert report.trust == "self_registered" and report.text == "stop the fighting near the camp"
    with members.rt.session() as session:
        member = session.scalar(select(Member).where(Member.id == report.member_id))
    assert member is not None and (member.trust, member.region_id, member.opted_out) == ("self_registered", "tz-kigoma", False)


def test_join_by_a_registered_member_keeps_the_network_area(members: Members) -> None:
    members.sms(SITA_SMS, "JOIN Kigoma")
    _ingest(members)
    with members.rt.session() as session:
        sita = session.get(Member, "m-sita")
    assert sita is not None and (sita.trust, sita.region_id) == ("registered", "np-banke")


def test_keywords_must_stand_alone() -> None:
    assert parse_command("STOP") == Command("stop")
    assert parse_command("stop the fighting") is None
    assert parse_command("help us, they are burning houses") is None
    assert parse_command("ACK K7MQ2P") == Command("ack", "K7MQ2P")
    assert parse_command("ok thanks for nothing") is None
    assert parse_command("/lang FR") == Command("lang", "fr")
    assert parse_command("", "ack:K7MQ2P") == Command("ack", "K7MQ2P")
