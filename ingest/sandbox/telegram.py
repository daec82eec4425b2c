"""The emulated Telegram Bot API at /bot{token}/{method}, answering in Telegram's own shapes."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ingest.sandbox import telegram_objects as objects
from ingest.sandbox.errors import BotApiError, too_many_requests
from ingest.sandbox.state import SandboxState, state_of, utc_now
from ingest.sandbox.telegram_params import Params

JSON = dict[str, Any]

_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
_PARSE_MODES = {"html", "markdown", "markdownv2"}
_MAX_TEXT = 4096
_MAX_CAPTION = 1024

router = APIRouter()


@dataclass(frozen=True)
class _Call:
    """One Bot API call: who the bot is, its parameters, and the sandbox it talks to."""

    state: SandboxState
    bot_id: int
    params: Params


@router.api_route("/bot{token}/{method}", methods=["GET", "POST"])
async def bot_api(token: str, method: str, request: Request) -> JSONResponse:
    """Dispatch a Bot API method; like Telegram, a malformed token or unknown method is 404 Not Found."""
    match = _TOKEN.match(token)
    handler = _METHODS.get(method.lower())
    if match is None or handler is None:
        raise BotApiError(404, "Not Found")
    call = _Call(state_of(request), int(match.group(1)), await Params.read(request))
    return JSONResponse({"ok": True, "result": await handler(call)})


async def get_me(call: _Call) -> JSON:
    """The bot's own user."""
    return objects.bot_user(call.bot_id)


async def get_updates(call: _Call) -> list[JSON]:
    """Pending updates after confirming those below offset, long-polling up to timeout seconds."""
    params = call.params
    limit = min(max(params.integer("limit", 100) or 100, 1), 100)
    timeout = max(params.integer("timeout", 0) or 0, 0)
    allowed = params.json("allowed_updates", "allowed_updates")
    if allowed is not None and not (isinstance(allowed, list) and all(isinstance(kind, str) for kind in allowed)):
        raise BotApiError(400, "Bad Request: can't parse allowed_updates JSON array")
    return await call.state.telegram.poll(params.integer("offset"), limit, timeout, allowed)


async def set_webhook(call: _Call) -> bool:
    """Register a webhook URL; the sandbox never calls it, but getUpdates is refused while it is set."""
    call.state.telegram.set_webhook(call.params.string("url") or "", call.params.flag("drop_pending_updates"))
    return True


async def delete_webhook(call: _Call) -> bool:
    """Remove the webhook, optionally dropping pending updates."""
    call.state.telegram.set_webhook("", call.params.flag("drop_pending_updates"))
    return True


async def get_webhook_info(call: _Call) -> JSON:
    """The webhook URL ("" when polling) and the number of pending updates."""
    return call.state.telegram.webhook_info()


async def send_message(call: _Call) -> JSON:
    """Send a text, checking what Telegram checks: empty, too long, blocked, flood limits."""
    chat_id = _chat_id(call.params)
    text = call.params.string("text") or ""
    if not text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if len(text) > _MAX_TEXT:
        raise BotApiError(400, "Bad Request: message is too long")
    _check_parse_mode(call.params)
    return _deliver(call, chat_id, {"text": text}, "text", text)


async def send_photo(call: _Call) -> JSON:
    """Send a photo given as an upload or a file_id; the outbox shows the caption as its text."""
    chat_id = _chat_id(call.params)
    upload = call.params.upload("photo")
    given_id = call.params.string("photo")
    if upload is None and not given_id:
        raise BotApiError(400, "Bad Request: there is no photo in the request")
    caption = call.params.string("caption") or ""
    if len(caption) > _MAX_CAPTION:
        raise BotApiError(400, "Bad Request: message caption is too long")
    _check_parse_mode(call.params)
    if upload is not None:
        await upload.read()
    file_id, unique_id = objects.new_file_ids()
    content: JSON = {"photo": objects.photo_sizes(given_id or file_id, unique_id)}
    if caption:
        content["caption"] = caption
    return _deliver(call, chat_id, content, "photo", caption)


async def answer_callback_query(call: _Call) -> bool:
    """Acknowledge a button press; an unknown or already answered query is refused as Telegram does."""
    if not call.state.telegram.answer_callback(call.params.string("callback_query_id") or ""):
        raise BotApiError(400, "Bad Request: query is too old and response timeout expired or query ID is invalid")
    return True


async def edit_message_text(call: _Call) -> JSON:
    """Change the text (and optionally the keyboard) of a message the bot sent."""
    chat_id, message = _editable(call)
    text = call.params.string("text") or ""
    if not text.strip():
        raise BotApiError(400, "Bad Request: message text is empty")
    if "text" not in message:
        raise BotApiError(400, "Bad Request: there is no text in the message to edit")
    _check_parse_mode(call.params)
    return _edit(call, chat_id, message, text, _inline_markup(call.params), "edit")


async def edit_message_reply_markup(call: _Call) -> JSON:
    """Replace or remove the inline keyboard of a message the bot sent."""
    chat_id, message = _editable(call)
    text = str(message.get("text", message.get("caption", "")))
    return _edit(call, chat_id, message, text, _inline_markup(call.params), "edit_markup")


def _chat_id(params: Params) -> int:
    """The target chat; @usernames are not emulated, so they are "chat not found"."""
    raw = params.string("chat_id")
    if not raw:
        raise BotApiError(400, "Bad Request: chat_id is empty")
    try:
        return int(raw)
    except ValueError:
        raise BotApiError(400, "Bad Request: chat not found") from None


def _check_parse_mode(params: Params) -> None:
    """Refuse parse modes Telegram does not know; entities are not parsed, the text is kept as sent."""
    mode = params.string("parse_mode")
    if mode and mode.lower() not in _PARSE_MODES:
        raise BotApiError(400, f"Bad Request: unsupported parse_mode {mode}")


def _reply_markup(params: Params) -> JSON | None:
    """Any keyboard the bot attached, as sent."""
    markup = params.json("reply_markup", "reply keyboard markup")
    if markup is not None and not isinstance(markup, dict):
        raise BotApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    return markup


def _inline_markup(params: Params) -> JSON | None:
    """An inline keyboard, the only kind Telegram echoes back in the Message."""
    markup = _reply_markup(params)
    return markup if markup is not None and "inline_keyboard" in markup else None


def _deliver(call: _Call, chat_id: int, content: JSON, kind: str, outbox_text: str) -> JSON:
    """Send a new bot message after the block and flood checks, and record it in the outbox."""
    telegram = call.state.telegram
    markup = _reply_markup(call.params)
    if telegram.is_blocked(chat_id):
        raise BotApiError(403, "Forbidden: bot was blocked by the user")
    wait = call.state.limits.telegram_send(chat_id)
    if wait is not None:
        raise too_many_requests(wait)
    message: JSON = {
        "message_id": telegram.next_message_id(chat_id),
        "from": objects.bot_user(call.bot_id),
        "chat": objects.chat(chat_id),
        "date": int(utc_now().timestamp()),
        **content,
    }
    if markup is not None and "inline_keyboard" in markup:
        message["reply_markup"] = markup
    telegram.remember(message)
    call.state.outbox.record("telegram", chat_id, outbox_text, kind, message["message_id"], markup)
    return message


def _editable(call: _Call) -> tuple[int, JSON]:
    """The bot message an edit call points at."""
    chat_id = _chat_id(call.params)
    message_id = call.params.integer("message_id")
    message = call.state.telegram.message(chat_id, message_id) if message_id is not None else None
    if message is None or not message.get("from", {}).get("is_bot"):
        raise BotApiError(400, "Bad Request: message to edit not found")
    return chat_id, message


def _edit(call: _Call, chat_id: int, message: JSON, text: str, markup: JSON | None, kind: str) -> JSON:
    """Apply an edit unless it changes nothing, which Telegram refuses."""
    field = "caption" if "photo" in message else "text"
    if message.get(field, "") == text and message.get("reply_markup") == markup:
        raise BotApiError(
            400,
            "Bad Request: message is not modified: specified new message content and reply markup are exactly "
            "the same as a current content and reply markup of the message",
        )
    edited = {**message, field: text, "edit_date": int(utc_now().timestamp())}
    edited.pop("reply_markup", None)
    if markup is not None:
        edited["reply_markup"] = markup
    call.state.telegram.remember(edited)
    call.state.outbox.record("telegram", chat_id, text, kind, message["message_id"], markup)
    return edited


_METHODS: dict[str, Callable[[_Call], Awaitable[Any]]] = {
    "getme": get_me,
    "getupdates": get_updates,
    "setwebhook": set_webhook,
    "deletewebhook": delete_webhook,
    "getwebhookinfo": get_webhook_info,
    "sendmessage": send_message,
    "sendphoto": send_photo,
    "answercallbackquery": answer_callback_query,
    "editmessagetext": edit_message_text,
    "editmessagereplymarkup": edit_message_reply_markup,
}
