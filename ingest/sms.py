"""SMS channel (Twilio Messages API): inbound messages since a watermark.

Twilio filters by day only, so each read goes back an overlap window behind the
newest message already stored and relies on the unique message SID to drop
what was read before. The list is newest first: paging stops at the window.
Every page in the window is read before the watermark may move, so nothing
older than it is ever skipped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException

from ingest.errors import ChannelMisconfigured, ProviderUnavailable
from ingest.message import Batch, InboundMessage, Quarantined, clean_text, payload_key
from ingest.retry import RetryPolicy

log = logging.getLogger(__name__)

OVERLAP = timedelta(minutes=30)
FIELDS = ("sid", "direction", "from_", "from", "body", "num_media", "date_sent", "date_created", "num_segments")
REFUSED = {401, 403, 404}  # credentials or account wrong: retrying cannot help


def parse_message(msg: Any) -> InboundMessage | Quarantined | None:
    """A Twilio message resource (object or dict) as a message; outbound ones are None."""
    get = msg.get if isinstance(msg, dict) else lambda key, default=None: getattr(msg, key, default)
    sid = get("sid")
    if not isinstance(sid, str) or not sid.strip() or len(sid) > 64 or not (sid.isascii() and sid.isprintable()):
        return Quarantined("sms", payload_key("bad:", _fields(get)), "message without a usable sid", _fields(get))
    direction = get("direction")
    if direction not in (None, "inbound"):
        return None
    sender = get("from_") or get("from")
    if not isinstance(sender, str) or not any(ch.isdigit() for ch in sender):
        return Quarantined("sms", sid, "message without a sender number", _fields(get))
    body = get("body")
    if body is not None and not isinstance(body, (str, bytes)):
        return Quarantined("sms", sid, "body is not text", _fields(get))
    text, truncated = clean_text(body)
    media = "mms" if str(get("num_media") or "0").strip() not in ("0", "") else None
    if not text.strip() and media is None:
        return Quarantined("sms", sid, "empty message", _fields(get))
    return InboundMessage(
        channel="sms",
        provider_id=sid,
        sender=sender.strip(),
        text=text,
        sent_at=_when(get("date_sent") or get("date_created")),
        media=media,
        truncated=truncated,
    )


def _fields(get: Callable[..., Any]) -> dict[str, Any]:
    """The resource's own fields for the (encrypted) quarantine record."""
    return {name: get(name) for name in FIELDS if get(name) is not None}


def _when(value: Any) -> datetime | None:
    """A Twilio date (datetime or RFC 2822 text) as an aware UTC datetime, None when unreadable."""
    if isinstance(value, str):
        try:
            value = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def fetch(
    client: Any, number: str | None, cursor: str | None, policy: RetryPolicy, *, page_size: int = 500, sleep: Callable[[float], None] = time.sleep
) -> Batch:
    """Inbound messages sent to ``number`` since the watermark ``cursor`` (ISO time) minus the overlap, oldest first."""
    failure: Exception | None = None
    for attempt in range(policy.attempts):
        try:
            return _read_window(client, number, cursor, page_size)
        except (TwilioException, requests.RequestException) as exc:
            status = _status(exc)
            if status in REFUSED:
                raise ChannelMisconfigured(f"Twilio refused the request: HTTP {status}") from None
            failure = ProviderUnavailable(f"Twilio failed {attempt + 1} times, last with {type(exc).__name__}" + (f" (HTTP {status})" if status else ""))
        if attempt + 1 < policy.attempts:
            sleep(policy.delay(attempt))
    assert failure is not None
    raise failure


def _status(exc: Exception) -> int | None:
    """The HTTP status behind a twilio error: a REST error carries it, a failed page fetch carries the response."""
    if isinstance(exc, TwilioRestException):
        return int(exc.status)
    response = exc.args[1] if isinstance(exc, TwilioException) and len(exc.args) > 1 else None
    status = getattr(response, "status_code", None)
    return status if isinstance(status, int) else None


def _read_window(client: Any, number: str | None, cursor: str | None, page_size: int) -> Batch:
    watermark = datetime.fromisoformat(cursor) if cursor else None
    since = watermark - OVERLAP if watermark else None
    kwargs: dict[str, Any] = {"page_size": page_size}
    if number:
        kwargs["to"] = number
    if since is not None:
        kwargs["date_sent_after"] = since
    messages: list[InboundMessage] = []
    quarantined: list[Quarantined] = []
    newest = watermark
    for msg in client.messages.stream(**kwargs):
        parsed = parse_message(msg)
        if isinstance(parsed, InboundMessage):
            if parsed.sent_at is not None:
                if since is not None and parsed.sent_at < since:
                    break
                newest = parsed.sent_at if newest is None else max(newest, parsed.sent_at)
            messages.append(parsed)
        elif isinstance(parsed, Quarantined):
            quarantined.append(parsed)
    messages.reverse()  # oldest first, as they were sent
    return Batch("sms", messages, quarantined, newest.isoformat() if newest else cursor)
