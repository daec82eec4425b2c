"""The sandbox emulators, driven by the real python-telegram-bot and twilio clients over loopback."""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter, TimedOut
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.rest import Client

from ingest.clients import telegram_bot, twilio_client
from ingest.sandbox import SandboxServer

TOKEN = "700000000:sandbox-test-token"
ACCOUNT = "AC" + "1" * 32
SERVICE_NUMBER = "+15005550006"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(autouse=True)
def clean(server: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    control(server, "POST", "/control/reset")


@pytest.fixture
def sms(server: SandboxServer) -> Client:
    return twilio_client(ACCOUNT, "not-a-real-token", server.url)


def control(server: SandboxServer, method: str, path: str, body: Any = None) -> Any:
    response = httpx.request(method, server.url + path, json=body, timeout=5)
    response.raise_for_status()
    return response.json()


def inject(server: SandboxServer, **body: Any) -> dict[str, Any]:
    return control(server, "POST", "/control/telegram/messages", body)


def fault(server: SandboxServer, **rule: Any) -> None:
    control(server, "POST", "/control/faults", rule)


def outbox(server: SandboxServer) -> list[dict[str, Any]]:
    return control(server, "GET", "/control/outbox")


def raw_updates(server: SandboxServer, **params: Any) -> list[dict[str, Any]]:
    response = httpx.post(f"{server.url}/bot{TOKEN}/getUpdates", json=params, timeout=5)
    return response.json()["result"]


def with_bot(server: SandboxServer, scenario: Any) -> Any:
    async def main() -> Any:
        async with telegram_bot(TOKEN, server.url) as bot:
            return await scenario(bot)

    return asyncio.run(main())


def failure(server: SandboxServer, scenario: Any) -> BaseException:
    async def catching(bot: Bot) -> BaseException:
        try:
            await scenario(bot)
        except Exception as error:  # the test inspects the exact type
            return error
        raise AssertionError("the call did not fail")

    return with_bot(server, catching)


# Telegram: getUpdates


def test_get_updates_drops_updates_below_offset(server: SandboxServer) -> None:
    ids = [inject(server, user_id=11, chat_id=11, text=f"report {n}")["update_id"] for n in range(3)]

    async def scenario(bot: Bot) -> tuple[list[int], ...]:
        everything = await bot.get_updates()
        after_first = await bot.get_updates(offset=ids[1])
        without_offset = await bot.get_updates()
        last_only = await bot.get_updates(offset=-1)
        return tuple([u.update_id for u in batch] for batch in (everything, after_first, without_offset, last_only))

    everything, after_first, without_offset, last_only = with_bot(server, scenario)
    assert everything == ids
    assert after_first == ids[1:]
    assert without_offset == ids[1:]
    assert last_only == ids[2:]


def test_get_updates_limit_and_text(server: SandboxServer) -> None:
    for n in range(3):
        inject(server, user_id=12, chat_id=12, text=f"m{n}")
    updates = with_bot(server, lambda bot: bot.get_updates(limit=2))
    assert [u.message.text for u in updates] == ["m0", "m1"]
    assert updates[0].message.chat.id == 12 and updates[0].message.from_user.id == 12


def test_long_poll_wakes_when_an_update_arrives(server: SandboxServer) -> None:
    async def scenario(bot: Bot) -> tuple[float, list[Any]]:
        started = time.monotonic()
        poll = asyncio.create_task(bot.get_updates(timeout=10))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(inject, server, user_id=13, chat_id=13, text="armed men at the market")
        updates = await poll
        return time.monotonic() - started, [u.to_dict()["message"]["text"] for u in updates]

    elapsed, texts = with_bot(server, scenario)
    assert texts == ["armed men at the market"]
    assert elapsed < 5


def test_long_poll_returns_empty_after_timeout(server: SandboxServer) -> None:
    async def scenario(bot: Bot) -> tuple[float, tuple[Any, ...]]:
        started = time.monotonic()
        updates = await bot.get_updates(timeout=1)
        return time.monotonic() - started, updates

    elapsed, updates = with_bot(server, scenario)
    assert updates == ()
    assert 0.9 <= elapsed < 5


def test_second_poller_terminates_the_first(server: SandboxServer) -> None:
    async def scenario(bot: Bot) -> BaseException | None:
        first = asyncio.create_task(bot.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        await asyncio.to_thread(raw_updates, server, timeout=0)
        try:
            await first
        except Conflict as error:
            return error
        return None

    error = with_bot(server, scenario)
    assert isinstance(error, Conflict)
    assert "terminated by other getUpdates request" in error.message


def test_get_updates_conflicts_while_webhook_is_set(server: SandboxServer) -> None:
    inject(server, user_id=14, chat_id=14, text="hello")

    async def scenario(bot: Bot) -> tuple[BaseException | None, str, int]:
        await bot.set_webhook("https://example.invalid/hook")
        info = await bot.get_webhook_info()
        try:
            await bot.get_updates()
            error = None
        except Conflict as conflict:
            error = conflict
        await bot.delete_webhook()
        return error, info.url, len(await bot.get_updates())

    error, url, after_delete = with_bot(server, scenario)
    assert isinstance(error, Conflict) and "webhook is active" in error.message
    assert url == "https://example.invalid/hook"
    assert after_delete == 1


def test_allowed_updates_filters_kinds(server: SandboxServer) -> None:
    inject(server, user_id=15, chat_id=15, text="original")
    inject(server, user_id=15, chat_id=15, text="edited", edit_of=1)
    updates = with_bot(server, lambda bot: bot.get_updates(allowed_updates=["edited_message"]))
    assert [u.edited_message.text for u in updates] == ["edited"]


def test_concurrent_injections_get_distinct_ordered_ids(server: SandboxServer) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        injected = list(pool.map(lambda n: inject(server, user_id=60 + n % 4, chat_id=60 + n % 4, text=f"r{n}"), range(40)))
    updates = raw_updates(server)
    assert len({i["update_id"] for i in injected}) == 40
    assert [u["update_id"] for u in updates] == sorted(i["update_id"] for i in injected)
    per_chat = {}
    for update in updates:
        per_chat.setdefault(update["message"]["chat"]["id"], []).append(update["message"]["message_id"])
    assert all(sorted(ids) == list(range(1, 11)) for ids in per_chat.values())


def test_stop_ends_a_pending_long_poll_quickly() -> None:
    sandbox = SandboxServer().start()

    async def poll() -> tuple[Any, ...]:
        async with telegram_bot(TOKEN, sandbox.url) as bot:
            return await bot.get_updates(timeout=30)

    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(asyncio.run, poll())
        time.sleep(0.3)
        started = time.monotonic()
        sandbox.stop()
        stopped_in = time.monotonic() - started
        assert pending.result(timeout=5) == ()
    assert stopped_in < 3


# Telegram: what members do


def test_edit_callback_and_media_injections(server: SandboxServer) -> None:
    first = inject(server, user_id=16, chat_id=16, text="two dead", first_name="Sita", language_code="ne")
    edit = inject(server, user_id=16, chat_id=16, text="three dead", edit_of=first["message_id"])
    located = inject(server, user_id=16, chat_id=16, location={"latitude": 28.05, "longitude": 81.61}, live_period=600)
    photo = inject(server, user_id=16, chat_id=16, photo=True, caption="burning house")
    voice = inject(server, user_id=16, chat_id=16, voice=True)
    document = inject(server, user_id=16, chat_id=16, document=True)
    assert edit["message_id"] == first["message_id"]
    assert len({located["message_id"], photo["message_id"], voice["message_id"], document["message_id"]}) == 4

    updates = with_bot(server, lambda bot: bot.get_updates())
    original, edited, location, picture, note, file = updates
    assert original.message.from_user.language_code == "ne" and original.message.from_user.first_name == "Sita"
    assert edited.edited_message.text == "three dead" and edited.edited_message.edit_date is not None
    assert edited.edited_message.message_id == original.message.message_id
    assert location.message.location.latitude == pytest.approx(28.05)
    assert location.message.location.live_period == timedelta(seconds=600)
    assert picture.message.photo and picture.message.caption == "burning house"
    assert note.message.voice is not None and file.message.document is not None


def test_callback_query_on_a_bot_message(server: SandboxServer) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ACK", callback_data="ack:42")]])
    sent = with_bot(server, lambda bot: bot.send_message(17, "Alert: clash in Banke", reply_markup=keyboard))
    press = inject(server, user_id=17, chat_id=17, callback_data="ack:42", message_id=sent.message_id)

    async def scenario(bot: Bot) -> tuple[Any, bool, BaseException | None]:
        (update,) = await bot.get_updates()
        query_id = update.to_dict()["callback_query"]["id"]
        answered = await bot.answer_callback_query(query_id, text="Thanks")
        try:
            await bot.answer_callback_query(query_id)
            again = None
        except BadRequest as error:
            again = error
        return update, answered, again

    update, answered, again = with_bot(server, scenario)
    assert update.update_id == press["update_id"]
    assert update.callback_query.data == "ack:42"
    assert update.callback_query.message.text == "Alert: clash in Banke"
    assert answered is True
    assert isinstance(again, BadRequest)


def test_raw_updates_pass_through_as_given(server: SandboxServer) -> None:
    numbered = inject(server, raw={"message": {"message_id": 5, "text": "no chat, no date"}})
    explicit = inject(server, raw={"update_id": 900, "mystery": True})
    broken = inject(server, raw={"update_id": "not-a-number", "message": None})
    assert isinstance(numbered["update_id"], int) and numbered["message_id"] == 5
    assert explicit["update_id"] == 900 and broken["update_id"] is None

    updates = raw_updates(server)
    assert {"update_id": numbered["update_id"], "message": {"message_id": 5, "text": "no chat, no date"}} in updates
    assert {"update_id": 900, "mystery": True} in updates
    assert {"update_id": "not-a-number", "message": None} in updates
    assert inject(server, user_id=18, chat_id=18, text="after")["update_id"] == 901
    assert raw_updates(server, offset=901) == raw_updates(server)[:1]


# Telegram: what the bot sends


def test_send_message_lands_in_outbox_with_int_chat_id(server: SandboxServer) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ACK", callback_data="ack:1")]])
    message = with_bot(server, lambda bot: bot.send_message("700000001", "<b>Alert</b>", parse_mode="HTML", reply_markup=keyboard))
    assert message.chat.id == 700000001 and message.text == "<b>Alert</b>"
    assert message.reply_markup == keyboard
    (entry,) = outbox(server)
    assert entry["channel"] == "telegram" and entry["to"] == 700000001 and isinstance(entry["to"], int)
    assert entry["text"] == "<b>Alert</b>" and entry["kind"] == "text" and entry["id"] == message.message_id
    assert entry["reply_markup"] == {"inline_keyboard": [[{"text": "ACK", "callback_data": "ack:1"}]]}
    assert datetime.fromisoformat(entry["at"]).utcoffset() == timedelta(0)


def test_send_photo_upload_and_file_id(server: SandboxServer) -> None:
    async def scenario(bot: Bot) -> tuple[Any, Any]:
        uploaded = await bot.send_photo(19, photo=b"\x89PNG\r\n\x1a\nfake", caption="map of the area")
        reused = await bot.send_photo(20, photo=uploaded.photo[-1].file_id)
        return uploaded, reused

    uploaded, reused = with_bot(server, scenario)
    assert uploaded.caption == "map of the area"
    assert reused.photo[-1].file_id == uploaded.photo[-1].file_id
    assert [(e["kind"], e["to"], e["text"]) for e in outbox(server)] == [("photo", 19, "map of the area"), ("photo", 20, "")]


def test_edits_are_recorded_and_unchanged_edits_refused(server: SandboxServer) -> None:
    async def scenario(bot: Bot) -> tuple[Any, Any, BaseException | None]:
        sent = await bot.send_message(21, "Alert v1")
        edited = await bot.edit_message_text("Alert v2", chat_id=21, message_id=sent.message_id)
        keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("ACK", callback_data="ack")]])
        marked = await bot.edit_message_reply_markup(chat_id=21, message_id=sent.message_id, reply_markup=keyboard)
        try:
            await bot.edit_message_text("Alert v2", chat_id=21, message_id=sent.message_id, reply_markup=keyboard)
            unchanged = None
        except BadRequest as error:
            unchanged = error
        return edited, marked, unchanged

    edited, marked, unchanged = with_bot(server, scenario)
    assert edited.text == "Alert v2" and edited.edit_date is not None
    assert marked.reply_markup.inline_keyboard[0][0].callback_data == "ack"
    assert isinstance(unchanged, BadRequest) and "not modified" in unchanged.message
    assert [(e["kind"], e["text"]) for e in outbox(server)] == [("text", "Alert v1"), ("edit", "Alert v2"), ("edit_markup", "Alert v2")]


def test_bot_api_validation_errors(server: SandboxServer) -> None:
    assert isinstance(failure(server, lambda bot: bot.send_message(22, "   ")), BadRequest)
    assert isinstance(failure(server, lambda bot: bot.send_message(22, "x" * 4097)), BadRequest)
    assert isinstance(failure(server, lambda bot: bot.edit_message_text("x", chat_id=22, message_id=99)), BadRequest)
    assert outbox(server) == []


def test_malformed_token_is_invalid(server: SandboxServer) -> None:
    async def scenario() -> BaseException:
        bot = Bot("not-a-token", base_url=f"{server.url}/bot")
        try:
            await bot.get_me()
        except InvalidToken as error:
            return error
        raise AssertionError("getMe with a malformed token succeeded")

    assert isinstance(asyncio.run(scenario()), InvalidToken)


def test_json_and_query_bodies_are_accepted(server: SandboxServer) -> None:
    sent = httpx.post(f"{server.url}/bot{TOKEN}/sendMessage", json={"chat_id": 23, "text": "json"}, timeout=5).json()
    queried = httpx.get(f"{server.url}/bot{TOKEN}/sendMessage", params={"chat_id": 24, "text": "query"}, timeout=5).json()
    assert sent["ok"] and sent["result"]["chat"]["id"] == 23
    assert queried["ok"] and queried["result"]["text"] == "query"
    unknown = httpx.post(f"{server.url}/bot{TOKEN}/sendTelepathy", timeout=5)
    assert unknown.status_code == 404 and unknown.json() == {"ok": False, "error_code": 404, "description": "Not Found"}


# Telegram: faults, blocks, limits


def test_fault_count_gives_retry_after_then_recovers(server: SandboxServer) -> None:
    fault(server, channel="telegram", status=429, retry_after=7, count=2, methods=["sendMessage"])

    async def scenario(bot: Bot) -> tuple[list[RetryAfter], Any]:
        errors = []
        for _ in range(2):
            try:
                await bot.send_message(25, "alert")
            except RetryAfter as error:
                errors.append(error)
        return errors, await bot.send_message(25, "alert")

    errors, delivered = with_bot(server, scenario)
    assert [e.retry_after for e in errors] == [timedelta(seconds=7)] * 2
    assert delivered.text == "alert"
    assert len(outbox(server)) == 1


def test_server_error_fault_is_network_error(server: SandboxServer) -> None:
    fault(server, channel="telegram", status=502, count=1, methods=["sendMessage"])
    error = failure(server, lambda bot: bot.send_message(26, "alert"))
    assert type(error) is NetworkError


def test_latency_fault_times_out_the_client(server: SandboxServer) -> None:
    fault(server, channel="telegram", latency_ms=800, methods=["sendMessage"])
    error = failure(server, lambda bot: bot.send_message(27, "alert", read_timeout=0.2))
    assert isinstance(error, TimedOut)
    # As with the real API, the request was received: the message goes out although the client gave up.
    deadline = time.monotonic() + 5
    while not outbox(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [entry["text"] for entry in outbox(server)] == ["alert"]


def test_dropped_connection_is_network_error(server: SandboxServer) -> None:
    fault(server, channel="telegram", drop=True, count=1, methods=["sendMessage"])
    error = failure(server, lambda bot: bot.send_message(28, "alert"))
    assert type(error) is NetworkError and "disconnected" in error.message.lower()
    assert with_bot(server, lambda bot: bot.send_message(28, "again")).text == "again"


def test_faults_respect_methods_and_can_be_cleared(server: SandboxServer) -> None:
    fault(server, channel="telegram", status=500, methods=["getUpdates"])
    assert isinstance(failure(server, lambda bot: bot.get_updates()), NetworkError)
    assert with_bot(server, lambda bot: bot.send_message(29, "still works")).text == "still works"
    control(server, "DELETE", "/control/faults")
    assert with_bot(server, lambda bot: bot.get_updates()) == ()


def test_blocked_chat_is_forbidden(server: SandboxServer) -> None:
    control(server, "POST", "/control/telegram/block", {"chat_id": 30})
    error = failure(server, lambda bot: bot.send_message(30, "alert"))
    assert isinstance(error, Forbidden) and "blocked by the user" in error.message
    assert outbox(server) == []


def test_per_chat_rate_limit(server: SandboxServer) -> None:
    async def scenario(bot: Bot) -> tuple[BaseException | None, Any]:
        await bot.send_message(31, "one")
        other_chat = await bot.send_message(32, "other chat")
        try:
            await bot.send_message(31, "two")
            return None, other_chat
        except RetryAfter as error:
            return error, other_chat

    error, other_chat = with_bot(server, scenario)
    assert isinstance(error, RetryAfter) and error.retry_after == timedelta(seconds=1)
    assert other_chat.chat.id == 32


def test_global_rate_limit_and_switching_limits_off(server: SandboxServer) -> None:
    control(server, "POST", "/control/limits", {"telegram_global_per_s": 3})

    async def burst(bot: Bot) -> int:
        sent = 0
        for chat_id in range(40, 46):
            try:
                await bot.send_message(chat_id, "alert")
                sent += 1
            except RetryAfter:
                pass
        return sent

    assert with_bot(server, burst) == 3
    limits = control(server, "POST", "/control/limits", {"telegram_global_per_s": 0, "telegram_per_chat_per_s": 0})
    assert limits == {"telegram_global_per_s": 0, "telegram_per_chat_per_s": 0, "sms_per_s": 10}
    assert with_bot(server, burst) == 6


# Twilio


def test_create_then_fetch_walks_the_status(server: SandboxServer, sms: Client) -> None:
    created = sms.messages.create(to="+9779800000001", from_=SERVICE_NUMBER, body="Alert: clash in Banke")
    assert created.sid.startswith("SM") and len(created.sid) == 34
    assert (created.status, created.direction, created.date_sent) == ("queued", "outbound-api", None)
    statuses = [sms.messages(created.sid).fetch().status for _ in range(3)]
    assert statuses == ["sent", "delivered", "delivered"]
    (entry,) = outbox(server)
    assert (entry["channel"], entry["to"], entry["text"], entry["id"]) == ("sms", "+9779800000001", "Alert: clash in Banke", created.sid)


def test_segments_follow_gsm7_and_ucs2(sms: Client) -> None:
    def segments(body: str) -> int:
        return int(sms.messages.create(to="+9779800000001", from_=SERVICE_NUMBER, body=body).num_segments)

    arabic = "اشتباكات مسلحة قرب السوق، الناس يفرون " * 5
    assert segments("a" * 160) == 1
    assert segments("a" * 161) == 2
    assert segments("€" * 80) == 1
    assert segments("€" * 81) == 2
    assert segments("ب" * 70) == 1
    assert segments(arabic) == math.ceil(len(arabic) / 67) > 2


def test_inbound_sms_is_received(server: SandboxServer, sms: Client) -> None:
    sid = control(server, "POST", "/control/sms/messages", {"from": "+9779800000002", "to": SERVICE_NUMBER, "body": "STOP"})["sid"]
    message = sms.messages(sid).fetch()
    assert (message.direction, message.status, message.body) == ("inbound", "received", "STOP")
    assert (message.from_, message.to) == ("+9779800000002", SERVICE_NUMBER)


def test_list_pages_newest_first(server: SandboxServer, sms: Client) -> None:
    for n in range(5):
        inbound = {"from": "+9779800000003", "to": SERVICE_NUMBER, "body": f"report {n}", "date_sent": f"2024-05-0{n + 1}T10:00:00Z"}
        control(server, "POST", "/control/sms/messages", inbound)
    first = sms.messages.page(page_size=2)
    second = first.next_page()
    third = second.next_page()
    assert [m.body for m in first] == ["report 4", "report 3"]
    assert [m.body for m in second] == ["report 2", "report 1"]
    assert [m.body for m in third] == ["report 0"]
    assert third.next_page() is None
    listing = f"{server.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    envelope = httpx.get(listing, params={"PageSize": 2}, auth=(ACCOUNT, "x"), timeout=5).json()
    assert envelope["page"] == 0 and envelope["page_size"] == 2 and envelope["start"] == 0 and envelope["end"] == 1
    assert envelope["previous_page_uri"] is None and "PageToken=PA" in envelope["next_page_uri"]
    assert envelope["first_page_uri"] == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json?PageSize=2&Page=0"


def test_date_sent_filters_are_day_granular(server: SandboxServer, sms: Client) -> None:
    for body, when in [("day 1 late", "2024-03-01T23:30:00Z"), ("day 2 early", "2024-03-02T00:30:00Z"), ("day 3", "2024-03-03T12:00:00Z")]:
        control(server, "POST", "/control/sms/messages", {"from": "+9779800000004", "to": SERVICE_NUMBER, "body": body, "date_sent": when})
    after = sms.messages.list(date_sent_after=datetime(2024, 3, 2, 18, 0))
    before = sms.messages.list(date_sent_before=datetime(2024, 3, 2, 0, 0))
    on = sms.messages.list(date_sent=datetime(2024, 3, 2, 23, 59))
    assert [m.body for m in after] == ["day 3", "day 2 early"]
    assert [m.body for m in before] == ["day 2 early", "day 1 late"]
    assert [m.body for m in on] == ["day 2 early"]


def test_list_filters_by_number(server: SandboxServer, sms: Client) -> None:
    control(server, "POST", "/control/sms/messages", {"from": "+9779800000005", "to": SERVICE_NUMBER, "body": "mine"})
    control(server, "POST", "/control/sms/messages", {"from": "+9779800000006", "to": SERVICE_NUMBER, "body": "theirs"})
    sms.messages.create(to="+9779800000005", from_=SERVICE_NUMBER, body="reply")
    assert [m.body for m in sms.messages.list(from_="+9779800000005")] == ["mine"]
    assert [m.body for m in sms.messages.list(to="+9779800000005")] == ["reply"]


def test_unsubscribed_number_fails_with_21610(server: SandboxServer, sms: Client) -> None:
    control(server, "POST", "/control/sms/unsubscribe", {"number": "+9779800000007"})
    with pytest.raises(TwilioRestException) as raised:
        sms.messages.create(to="+9779800000007", from_=SERVICE_NUMBER, body="alert")
    assert raised.value.code == 21610 and raised.value.status == 400
    assert outbox(server) == []


def test_sms_faults_raise_twilio_codes(server: SandboxServer, sms: Client) -> None:
    fault(server, channel="sms", twilio_code=20429, count=1, methods=["create"])
    fault(server, channel="sms", status=503, count=1, methods=["list"])
    with pytest.raises(TwilioRestException) as throttled:
        sms.messages.create(to="+9779800000008", from_=SERVICE_NUMBER, body="alert")
    with pytest.raises(TwilioException) as down:
        sms.messages.list()
    assert (throttled.value.code, throttled.value.status) == (20429, 429)
    # twilio-python raises a bare TwilioException carrying the response when a list page fails.
    response = down.value.args[1]
    assert response.status_code == 503 and json.loads(response.text)["code"] == 20503
    assert sms.messages.create(to="+9779800000008", from_=SERVICE_NUMBER, body="alert").status == "queued"


def test_delivery_error_codes_fail_after_acceptance(sms: Client, server: SandboxServer) -> None:
    fault(server, channel="sms", twilio_code=30003, count=1)
    created = sms.messages.create(to="+9779800000009", from_=SERVICE_NUMBER, body="alert")
    assert created.status == "queued"
    sms.messages(created.sid).fetch()
    final = sms.messages(created.sid).fetch()
    assert (final.status, final.error_code, final.error_message) == ("undelivered", 30003, "Unreachable destination handset")


def test_sms_rate_limit(server: SandboxServer, sms: Client) -> None:
    control(server, "POST", "/control/limits", {"sms_per_s": 2})
    sms.messages.create(to="+9779800000010", from_=SERVICE_NUMBER, body="1")
    sms.messages.create(to="+9779800000010", from_=SERVICE_NUMBER, body="2")
    with pytest.raises(TwilioRestException) as raised:
        sms.messages.create(to="+9779800000010", from_=SERVICE_NUMBER, body="3")
    assert raised.value.code == 20429


def test_create_validation_and_missing_auth(server: SandboxServer, sms: Client) -> None:
    with pytest.raises(TwilioRestException) as bad_number:
        sms.messages.create(to="9800000001", from_=SERVICE_NUMBER, body="alert")
    with pytest.raises(TwilioRestException) as missing:
        sms.messages("SM" + "0" * 32).fetch()
    anonymous = httpx.get(f"{server.url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json", timeout=5)
    assert bad_number.value.code == 21211 and missing.value.code == 20404
    assert anonymous.status_code == 401 and anonymous.json()["code"] == 20003


# Control


def test_reset_empties_everything(server: SandboxServer, sms: Client) -> None:
    inject(server, user_id=50, chat_id=50, text="pending")
    control(server, "POST", "/control/sms/messages", {"from": "+9779800000011", "to": SERVICE_NUMBER, "body": "pending"})
    with_bot(server, lambda bot: bot.send_message(50, "sent"))
    control(server, "POST", "/control/telegram/block", {"chat_id": 51})
    control(server, "POST", "/control/limits", {"sms_per_s": 1})
    fault(server, channel="telegram", status=500, methods=["sendMessage"])

    control(server, "POST", "/control/reset")

    assert outbox(server) == [] and raw_updates(server) == [] and sms.messages.list() == []
    assert with_bot(server, lambda bot: bot.send_message(51, "unblocked, unfaulted")).chat.id == 51
    assert control(server, "POST", "/control/limits", {}) == {"telegram_global_per_s": 30, "telegram_per_chat_per_s": 1, "sms_per_s": 10}


def test_health_and_control_validation(server: SandboxServer) -> None:
    assert control(server, "GET", "/control/health") == {"ok": True}
    assert httpx.post(f"{server.url}/control/telegram/messages", json={"text": "who am I"}, timeout=5).status_code == 422
    assert httpx.post(f"{server.url}/control/faults", json={"channel": "fax"}, timeout=5).status_code == 422
    assert httpx.post(f"{server.url}/control/faults", json={"channel": "sms", "error_rate": 2}, timeout=5).status_code == 422
