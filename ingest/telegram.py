"""Telegram channel: raw Bot API updates in, ``InboundMessage`` out.

Parsing works on the raw update dicts rather than python-telegram-bot's
objects so that one malformed update is quarantined with a reason instead of
failing the whole ``getUpdates`` batch.
"""

from __future__ import annotations

import asyncio
import warnings
from datetime import datetime, timezone
from typing import Any

from telegram.warnings import PTBUserWarning

from ingest.message import Batch, InboundMessage, Quarantined, clean_text

MEDIA_KINDS = ("photo", "voice", "audio", "video", "video_note", "document", "sticker", "animation", "contact")
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


def parse_update(update: Any) -> InboundMessage | Quarantined | None:
    """One raw update as a message, a quarantine entry, or None when it carries nothing for us."""
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return Quarantined("telegram", f"bad:{abs(hash(repr(update))) % 10**12}", "update without an integer update_id", {"raw": repr(update)[:2000]})
    update_id = update["update_id"]
    try:
        if "callback_query" in update:
            return _parse_callback(update["callback_query"], update_id)
        for key, is_edit in (("message", False), ("edited_message", True)):
            if key in update:
                return _parse_message(update[key], update_id, is_edit)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return Quarantined("telegram", f"u{update_id}", f"malformed update: {type(exc).__name__}: {exc}"[:300], update)
    if any(k in update for k in ("channel_post", "my_chat_member", "chat_member", "poll", "inline_query")):
        return None
    return Quarantined("telegram", f"u{update_id}", "update of an unsupported type", update)


def _parse_message(msg: dict[str, Any], update_id: int, is_edit: bool) -> InboundMessage | Quarantined:
    sender = msg.get("from") or {}
    chat = msg["chat"]
    if chat.get("type", "private") != "private":
        return Quarantined("telegram", f"u{update_id}", f"message from a {chat.get('type')} chat, only private chats are reports", msg)
    user_id = sender.get("id", chat.get("id"))
    if not isinstance(user_id, int):
        raise ValueError("message without a sender id")
    text, truncated = clean_text(msg.get("text") or msg.get("caption"))
    media = next((kind for kind in MEDIA_KINDS if kind in msg), None)
    lat = lon = None
    location = msg.get("location")
    if isinstance(location, dict):
        lat, lon = float(location["latitude"]), float(location["longitude"])
        media = media or ("live_location" if location.get("live_period") else "location")
    if not text and media is None:
        return Quarantined("telegram", f"u{update_id}", "message with neither text, media nor location", msg)
    when = msg.get("edit_date") if is_edit else msg.get("date")
    message_id = int(msg["message_id"])
    return InboundMessage(
        channel="telegram",
        provider_id=f"m{chat['id']}:{message_id}" if not is_edit else f"e{chat['id']}:{message_id}:{msg.get('edit_date', update_id)}",
        sender=str(user_id),
        text=text,
        sent_at=datetime.fromtimestamp(when, timezone.utc) if isinstance(when, int) else None,
        media=media,
        latitude=lat,
        longitude=lon,
        edit_of=f"m{chat['id']}:{message_id}" if is_edit else None,
        sender_lang=sender.get("language_code"),
        truncated=truncated,
    )


def _parse_callback(query: dict[str, Any], update_id: int) -> InboundMessage:
    user_id = query["from"]["id"]
    if not isinstance(user_id, int):
        raise ValueError("callback without a sender id")
    data, _ = clean_text(query.get("data"))
    return InboundMessage(
        channel="telegram",
        provider_id=f"c{query['id']}",
        sender=str(user_id),
        text=data,
        callback_data=data,
        callback_id=str(query["id"]),
        sender_lang=query["from"].get("language_code"),
    )


async def _fetch(bot: Any, offset: int | None, limit: int, timeout: int) -> list[dict[str, Any]]:
    # Raw API call: python-telegram-bot would refuse the whole batch on one bad update.
    async with bot:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PTBUserWarning)
            result = await bot.do_api_request(
                "getUpdates",
                api_kwargs={"offset": offset, "limit": limit, "timeout": timeout, "allowed_updates": ALLOWED_UPDATES},
                read_timeout=timeout + 10,
            )
    return list(result or [])


def fetch(bot: Any, cursor: str | None, limit: int = 100, timeout: int = 0) -> Batch:
    """Read the updates after ``cursor``; the returned cursor confirms them once committed."""
    offset = int(cursor) if cursor else None
    raw = asyncio.run(_fetch(bot, offset, limit, timeout))
    messages: list[InboundMessage] = []
    quarantined: list[Quarantined] = []
    last = offset - 1 if offset else None
    for update in raw:
        parsed = parse_update(update)
        if isinstance(update, dict) and isinstance(update.get("update_id"), int):
            last = max(last or 0, update["update_id"])
        if isinstance(parsed, InboundMessage):
            messages.append(parsed)
        elif isinstance(parsed, Quarantined):
            quarantined.append(parsed)
    return Batch("telegram", messages, quarantined, str(last + 1) if last is not None else cursor)
