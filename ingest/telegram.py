"""Telegram channel: raw Bot API updates in, ``InboundMessage`` out.

Parsing works on the raw update dicts rather than python-telegram-bot's
objects so that one malformed update is quarantined with a reason instead of
failing the whole ``getUpdates`` batch. Provider ids name the chat only by a
keyed pseudonym: in a private chat the chat id is the member's Telegram id.
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram.error import Conflict, Forbidden, InvalidToken, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from ingest.errors import ChannelConflict, ChannelMisconfigured, IngestError, ProviderUnavailable, Throttled
from ingest.message import Batch, InboundMessage, Quarantined, clean_text, payload_key
from ingest.retry import RetryPolicy

log = logging.getLogger(__name__)

MEDIA_KINDS = ("photo", "voice", "audio", "video", "video_note", "document", "sticker", "animation", "contact")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
IGNORED_KINDS = ("channel_post", "edited_channel_post", "my_chat_member", "chat_member", "poll", "poll_answer", "inline_query")

Pseudonym = Callable[[int], str]


class Malformed(ValueError):
    """An update that does not have the shape the Bot API documents; the message is its quarantine reason."""


def parse_update(update: Any, pseudonym: Pseudonym) -> InboundMessage | Quarantined | None:
    """One raw update as a message, a quarantine entry, or None when it carries nothing for us."""
    if not isinstance(update, dict) or not _is_id(update.get("update_id")):
        return Quarantined("telegram", payload_key("bad:", update), "update without a valid update_id", {"raw": repr(update)[:2000]})
    provider_id = f"u{update['update_id']}"
    try:
        if "callback_query" in update:
            return _parse_callback(_mapping(update["callback_query"], "callback_query"))
        for key, is_edit in (("message", False), ("edited_message", True)):
            if key in update:
                return _parse_message(_mapping(update[key], key), update["update_id"], is_edit, pseudonym)
    except Malformed as exc:
        return Quarantined("telegram", provider_id, f"malformed update: {exc}", update)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        # Only the exception type: its message may quote the payload.
        return Quarantined("telegram", provider_id, f"malformed update: unexpected {type(exc).__name__}", update)
    if any(kind in update for kind in IGNORED_KINDS):
        return None
    return Quarantined("telegram", provider_id, "update of an unsupported type", update)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_id(value: Any) -> bool:
    """A provider id that fits a 64-bit integer, as every Telegram id does."""
    return _is_int(value) and 0 <= value < 2**63


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"{name} is not an object")
    return value


def _sender_id(sender: dict[str, Any], chat: dict[str, Any]) -> int:
    user_id = sender.get("id", chat.get("id"))
    if not _is_int(user_id):
        raise Malformed("no integer sender id")
    return int(user_id)


def _parse_message(msg: dict[str, Any], update_id: int, is_edit: bool, pseudonym: Pseudonym) -> InboundMessage | Quarantined:
    chat = _mapping(msg.get("chat"), "chat")
    if not _is_int(chat.get("id")):
        raise Malformed("chat without an integer id")
    if chat.get("type", "private") != "private":
        return Quarantined("telegram", f"u{update_id}", "message from a group or channel chat: only private chats are reports", msg)
    sender = msg.get("from") if isinstance(msg.get("from"), dict) else {}
    user_id = _sender_id(sender, chat)
    if not _is_id(msg.get("message_id")):
        raise Malformed("message without a valid message_id")
    raw_text = msg.get("text") if msg.get("text") is not None else msg.get("caption")
    if raw_text is not None and not isinstance(raw_text, str):
        raise Malformed("text is not a string")
    text, truncated = clean_text(raw_text)
    media = next((kind for kind in MEDIA_KINDS if kind in msg), None)
    latitude, longitude, place = _location(msg.get("location"))
    media = media or place
    if not text.strip() and media is None:
        return Quarantined("telegram", f"u{update_id}", "message with neither text, media nor location", msg)
    when = msg.get("edit_date") if is_edit else msg.get("date")
    original = f"m{pseudonym(chat['id'])}:{msg['message_id']}"
    return InboundMessage(
        channel="telegram",
        # An edit is named by its update: two edits within one second share an edit_date.
        provider_id=f"e{pseudonym(chat['id'])}:{msg['message_id']}:{update_id}" if is_edit else original,
        sender=str(user_id),
        text=text,
        sent_at=datetime.fromtimestamp(when, UTC) if _is_int(when) and 0 <= when < 2**33 else None,
        media=media,
        latitude=latitude,
        longitude=longitude,
        edit_of=original if is_edit else None,
        sender_lang=_lang(sender.get("language_code")),
        truncated=truncated,
    )


def _location(location: Any) -> tuple[float | None, float | None, str | None]:
    """Coordinates of a location or live location, checked to be on Earth."""
    if location is None:
        return None, None, None
    location = _mapping(location, "location")
    try:
        latitude, longitude = float(location["latitude"]), float(location["longitude"])
    except (KeyError, TypeError, ValueError):
        raise Malformed("location without numeric latitude and longitude") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Malformed("location outside the valid range")
    return latitude, longitude, "live_location" if location.get("live_period") else "location"


def _lang(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _parse_callback(query: dict[str, Any]) -> InboundMessage:
    sender = _mapping(query.get("from"), "callback sender")
    user_id = _sender_id(sender, {})
    query_id = query.get("id")
    if not isinstance(query_id, str) or not query_id or len(query_id) > 60 or not (query_id.isascii() and query_id.isprintable()):
        raise Malformed("callback query without a valid id")
    data = query.get("data")
    if data is not None and not isinstance(data, str):
        raise Malformed("callback data is not a string")
    text, _ = clean_text(data)
    return InboundMessage(
        channel="telegram",
        provider_id=f"c{query_id}",
        sender=str(user_id),
        text=text,
        callback_data=text,
        callback_id=query_id,
        sender_lang=_lang(sender.get("language_code")),
    )


def to_batch(updates: list[Any], cursor: str | None, pseudonym: Pseudonym) -> Batch:
    """Parse a getUpdates result; the batch's cursor confirms every update in it once committed."""
    messages: list[InboundMessage] = []
    quarantined: list[Quarantined] = []
    last = int(cursor) - 1 if cursor else None
    for update in updates:
        parsed = parse_update(update, pseudonym)
        if isinstance(update, dict) and _is_id(update.get("update_id")):
            last = update["update_id"] if last is None else max(last, update["update_id"])
        if isinstance(parsed, InboundMessage):
            messages.append(parsed)
        elif isinstance(parsed, Quarantined):
            quarantined.append(parsed)
    return Batch("telegram", messages, quarantined, str(last + 1) if last is not None else cursor)


async def get_updates(bot: Any, cursor: str | None, policy: RetryPolicy, *, limit: int = 100, timeout: int = 0) -> list[Any]:
    """The raw updates after ``cursor``, riding out provider faults as the policy allows."""
    offset = int(cursor) if cursor else None
    return await call(
        lambda: bot.do_api_request(
            "getUpdates",
            api_kwargs={"offset": offset, "limit": limit, "timeout": timeout, "allowed_updates": ALLOWED_UPDATES},
            read_timeout=timeout + policy.read_margin_s,
        ),
        bot,
        policy,
    )


async def call(request: Callable[[], Any], bot: Any, policy: RetryPolicy) -> Any:
    """Run a Bot API request with retries: 429 waits, a webhook conflict deletes the webhook, faults back off."""
    failure: IngestError | None = None
    webhook_set = False
    for attempt in range(policy.attempts):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", PTBUserWarning)
                if webhook_set:
                    log.warning("a webhook was set on the bot: deleting it (pending updates kept) so polling can go on")
                    await bot.delete_webhook(drop_pending_updates=False)
                return await request()
        except RetryAfter as exc:
            wait = _seconds(exc)
            if wait > policy.max_retry_after_s:
                raise Throttled(f"Telegram asks to wait {wait:.0f} s", wait) from None
            failure = Throttled(f"Telegram kept throttling (retry after {wait:.0f} s)", wait)
            await asyncio.sleep(policy.delay(attempt, wait))
        except Conflict as exc:
            webhook_set = "webhook" in exc.message.lower()
            if webhook_set:
                failure = ChannelConflict("a webhook keeps being set on the bot: polling and a webhook cannot both run")
                continue
            failure = ChannelConflict("another process is polling this bot (409): only one Telegram ingest may run at a time")
            await asyncio.sleep(policy.delay(attempt))
        except (InvalidToken, Forbidden) as exc:
            raise ChannelMisconfigured(f"Telegram refused the bot token: {type(exc).__name__}") from None
        except TelegramError as exc:
            # NetworkError (timeouts, dropped connections, 5xx answers) and any other refusal: back off and retry.
            failure = ProviderUnavailable(f"Telegram Bot API failed {attempt + 1} times, last with {type(exc).__name__}")
            await asyncio.sleep(policy.delay(attempt))
    assert failure is not None
    raise failure


def _seconds(exc: RetryAfter) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)
