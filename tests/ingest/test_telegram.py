"""Telegram ingest through the real python-telegram-bot client and the sandbox Bot API."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import select

from ingest.errors import ChannelConflict
from ingest.telegram import parse_update
from models.schema import Member, Quarantine, ReportRevision
from tests.ingest.conftest import Members
from tocsin.runtime import SANDBOX_TOKEN

SITA, MOUSSA, STRANGER = 700000001, 700000035, 711111111


def test_text_is_stored_once_and_acknowledged_in_the_members_language(members: Members) -> None:
    members.telegram(SITA, "नेपालगन्जमा दुई समूहबीच झगडा")
    assert members.ingest_telegram()["stored"] == 1
    assert members.ingest_telegram()["stored"] == 0
    (report,) = members.reports()
    assert (report.member_id, report.trust, report.kind, report.status) == ("m-sita", "registered", "report", "new")
    (ack,) = members.deliveries("ack")
    assert report.ref in ack.text and "प्राप्त" in ack.text


def test_edits_are_revisions_of_the_same_report(members: Members) -> None:
    sent = members.telegram(MOUSSA, "des hommes armés au marché")
    members.ingest_telegram()
    members.telegram(MOUSSA, "des hommes armés au marché de Sévaré", edit_of=sent["message_id"])
    members.telegram(MOUSSA, "des hommes armés au marché de Sévaré, ce matin", edit_of=sent["message_id"])  # same second
    stats = members.ingest_telegram()
    assert stats["edits"] == 2 and stats["stored"] == 0
    (report,) = members.reports()
    assert (report.text, report.revision) == ("des hommes armés au marché de Sévaré, ce matin", 2)
    with members.rt.session() as session:
        revisions = session.scalars(select(ReportRevision).order_by(ReportRevision.revision)).all()
    assert [(r.report_id, r.revision, r.text) for r in revisions] == [
        (report.id, 0, "des hommes armés au marché"),
        (report.id, 1, "des hommes armés au marché de Sévaré"),
    ]
    assert members.ingest_telegram()["edits"] == 0
    assert len(members.deliveries("ack")) == 1


def test_original_and_edit_in_one_batch(members: Members) -> None:
    sent = members.telegram(MOUSSA, "fusillade")
    members.telegram(MOUSSA, "fusillade à Bankass", edit_of=sent["message_id"])
    assert members.ingest_telegram()["edits"] == 1
    assert [r.text for r in members.reports()] == ["fusillade à Bankass"]


def test_location_and_live_location_put_coordinates_on_the_report(members: Members) -> None:
    members.telegram(MOUSSA, location={"latitude": 14.49, "longitude": -4.19})
    live = members.telegram(SITA, location={"latitude": 28.05, "longitude": 81.61}, live_period=900)
    members.ingest_telegram()
    members.telegram(SITA, location={"latitude": 28.06, "longitude": 81.62}, live_period=900, edit_of=live["message_id"])
    assert members.ingest_telegram()["edits"] == 1
    still, moving = sorted(members.reports(), key=lambda r: r.member_id or "")
    assert (moving.media, moving.latitude, moving.longitude, moving.revision) == ("live_location", 28.06, 81.62, 1)
    assert (still.media, still.latitude, still.longitude) == ("location", 14.49, -4.19)


@pytest.mark.parametrize("media", ["photo", "voice", "document"])
def test_media_with_or_without_caption_is_stored_never_dropped(members: Members, media: str) -> None:
    members.telegram(MOUSSA, **{media: True})
    members.telegram(MOUSSA, **{media: True, "caption": "le pont est détruit"})
    assert members.ingest_telegram()["stored"] == 2
    assert [(r.media, r.text) for r in members.reports()] == [(media, ""), (media, "le pont est détruit")]
    assert len(members.deliveries("ack")) == 2


def test_start_then_area_self_registers(members: Members) -> None:
    members.control("POST", "/control/telegram/messages", {"user_id": STRANGER, "text": "/start", "language_code": "sw"})
    members.ingest_telegram()
    members.telegram(STRANGER, "Kigoma")
    members.telegram(STRANGER, "watu wamekimbia kijiji")
    stats = members.ingest_telegram()
    assert (stats["commands"], stats["stored"]) == (1, 1)
    with members.rt.session() as session:
        member = session.get(Member, members.reports()[-1].member_id)
    assert (member.trust, member.lang, member.region_id, member.awaiting) == ("self_registered", "sw", "tz-kigoma", None)
    replies = [d.text for d in members.deliveries("reply")]
    assert "karibu" in replies[0].casefold() and "umesajiliwa" in replies[1]


def test_start_then_a_report_keeps_the_report(members: Members) -> None:
    members.telegram(STRANGER, "/start")
    members.telegram(STRANGER, "armed men burned houses in Jos last night")
    assert members.ingest_telegram()["stored"] == 1
    (report,) = members.reports(kind="report")
    assert report.trust == "unknown"


def test_help_stop_and_lang_commands(members: Members) -> None:
    members.telegram(MOUSSA, "/help")
    members.telegram(MOUSSA, "/lang")
    members.telegram(MOUSSA, "/lang sw")
    members.telegram(MOUSSA, "/stop")
    members.telegram(MOUSSA, "un rapport après stop")
    stats = members.ingest_telegram()
    assert (stats["commands"], stats["stored"]) == (4, 1)
    help_reply, choose, lang_set, stopped = members.deliveries("reply")
    assert "JOIN" in help_reply.text and "ecrivez" in help_reply.text
    assert choose.reply_markup and sum(len(row) for row in choose.reply_markup["inline_keyboard"]) == 6
    assert "Kiswahili" in lang_set.text and "START" in stopped.text
    assert members.deliveries("ack") == []


def test_language_button_press_is_answered_and_applied(members: Members) -> None:
    from tocsin.pipeline import deliver

    members.telegram(MOUSSA, "/lang")
    members.ingest_telegram()
    deliver(members.rt)
    (buttons,) = [m for m in members.outbox() if m["to"] == MOUSSA]
    assert buttons["reply_markup"]["inline_keyboard"][1][2]["callback_data"] == "lang:ha"
    members.control("POST", "/control/telegram/messages", {"user_id": MOUSSA, "callback_data": "lang:ha", "message_id": buttons["id"]})
    assert members.ingest_telegram()["commands"] == 1
    with members.rt.session() as session:
        assert session.get(Member, "m-moussa").lang == "ha"  # type: ignore[union-attr]
    assert "Hausa" in members.deliveries("reply")[-1].text
    # Ingest stopped the button's spinner: the sandbox refuses a second answer to the same query.
    press = members.reports()[-1]
    again = httpx.post(f"{members.url}/bot{SANDBOX_TOKEN}/answerCallbackQuery", json={"callback_query_id": press.provider_id[1:]}, timeout=5)
    assert press.kind == "command" and again.status_code == 400


def test_unknown_button_data_is_quarantined(members: Members) -> None:
    members.control("POST", "/control/telegram/messages", {"user_id": MOUSSA, "callback_data": "nonsense", "message_id": 1})
    stats = members.ingest_telegram()
    assert stats["quarantined"] == 1 and members.reports() == []


def test_webhook_conflict_is_resolved_by_deleting_the_webhook(members: Members) -> None:
    async def set_webhook() -> None:
        async with members.bot() as bot:
            await bot.set_webhook("https://example.org/hook")

    asyncio.run(set_webhook())
    members.telegram(SITA, "report while a webhook was set")
    assert members.ingest_telegram()["stored"] == 1
    assert members.control("POST", f"/bot{SANDBOX_TOKEN}/getWebhookInfo")["result"]["url"] == ""


def test_poll_conflict_and_flood_control_are_retried(members: Members) -> None:
    members.telegram(SITA, "one")
    members.fault(channel="telegram", status=409, count=1, methods=["getUpdates"])
    members.fault(channel="telegram", retry_after=1, count=1, methods=["getUpdates"])
    assert members.ingest_telegram()["stored"] == 1


def test_a_second_poller_that_never_stops_fails_the_run_without_loss(members: Members) -> None:
    members.telegram(SITA, "kept for the next run")
    members.fault(channel="telegram", status=409, methods=["getUpdates"])
    with pytest.raises(ChannelConflict):
        members.ingest_telegram()
    members.clear_faults()
    assert members.ingest_telegram()["stored"] == 1


def test_malformed_update_is_quarantined_and_does_not_block_the_rest(members: Members) -> None:
    members.telegram(SITA, "before")
    members.raw({"update_id": 10**9, "message": {"message_id": "x", "chat": {"id": SITA, "type": "private"}, "text": 5}})
    members.raw(
        {"update_id": 10**9 + 1, "message": {"message_id": 3, "date": 0, "chat": {"id": SITA, "type": "private"}, "from": {"id": SITA}, "text": "after"}}
    )
    stats = members.ingest_telegram()
    assert (stats["stored"], stats["quarantined"]) == (2, 1)
    with members.rt.session() as session:
        (item,) = session.scalars(select(Quarantine))
    assert item.provider_id == f"u{10**9}" and "message_id" in item.reason
    assert members.ingest_telegram()["stored"] == 0


@pytest.mark.parametrize(
    ("update", "outcome"),
    [
        ({"update_id": 1, "message": {"message_id": 1, "chat": {"id": 5, "type": "group"}, "from": {"id": 5}, "text": "x"}}, "group or channel"),
        ({"update_id": 2, "message": {"message_id": 1, "chat": {"id": 5}, "from": {"id": 5}}}, "neither text"),
        ({"update_id": 3, "message": {"message_id": 1, "chat": {"id": 5}, "location": {"latitude": 200, "longitude": 0}}}, "valid range"),
        ({"update_id": 4, "callback_query": {"from": {"id": "5"}, "id": "1"}}, "sender id"),
        ({"update_id": 5, "shipping_query": {}}, "unsupported type"),
        ({"update_id": True, "message": {}}, "valid update_id"),
        ([1, 2], "valid update_id"),
        ({"update_id": 6, "channel_post": {"text": "ignored"}}, None),
    ],
)
def test_parse_update_outcomes(update: object, outcome: str | None) -> None:
    parsed = parse_update(update, lambda chat: f"p{chat}")
    if outcome is None:
        assert parsed is None
    else:
        assert outcome in parsed.reason  # type: ignore[union-attr]


def test_provider_ids_carry_no_telegram_id(members: Members) -> None:
    members.telegram(SITA, "हामी सुरक्षित छौं")
    members.ingest_telegram()
    (report,) = members.reports()
    assert str(SITA) not in report.provider_id
