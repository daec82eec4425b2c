"""SMS channel (Twilio Messages API): inbound messages since a watermark.

Twilio filters by day only, so each read goes back an overlap window behind the
newest message already stored and relies on the unique message SID to drop
what was read before. The list is newest first: paging stops at the window.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ingest.message import Batch, InboundMessage, Quarantined, clean_text

OVERLAP = timedelta(minutes=30)


def parse_message(msg: Any) -> InboundMessage | Quarantined | None:
    """A Twilio message resource (object or dict) as a message; outbound ones are None."""
    get = msg.get if isinstance(msg, dict) else lambda k, d=None: getattr(msg, k, d)
    sid = get("sid")
    if not isinstance(sid, str) or not sid:
        return Quarantined("sms", f"bad:{abs(hash(repr(msg))) % 10**12}", "message without a sid", {"raw": repr(msg)[:2000]})
    if get("direction") not in (None, "inbound"):
        return None
    sender = get("from_") or get("from")
    if not isinstance(sender, str) or not sender.strip():
        return Quarantined("sms", sid, "message without a sender number", {"sid": sid})
    text, truncated = clean_text(get("body"))
    num_media = get("num_media")
    media = "mms" if str(num_media or "0") not in ("0", "") else None
    if not text and media is None:
        return Quarantined("sms", sid, "empty message", {"sid": sid})
    sent = get("date_sent") or get("date_created")
    if isinstance(sent, str):
        from email.utils import parsedate_to_datetime

        try:
            sent = parsedate_to_datetime(sent)
        except (TypeError, ValueError):
            sent = None
    if isinstance(sent, datetime) and sent.tzinfo is None:
        sent = sent.replace(tzinfo=timezone.utc)
    return InboundMessage(channel="sms", provider_id=sid, sender=sender.strip(), text=text, sent_at=sent if isinstance(sent, datetime) else None, media=media, truncated=truncated)


def fetch(client: Any, number: str | None, cursor: str | None, page_size: int = 200, max_messages: int = 5000) -> Batch:
    """Inbound messages sent to ``number`` since the watermark ``cursor`` (ISO time) minus the overlap."""
    since = datetime.fromisoformat(cursor) - OVERLAP if cursor else None
    kwargs: dict[str, Any] = {"page_size": page_size}
    if number:
        kwargs["to"] = number
    if since is not None:
        kwargs["date_sent_after"] = since
    messages: list[InboundMessage] = []
    quarantined: list[Quarantined] = []
    newest = datetime.fromisoformat(cursor) if cursor else None
    for count, msg in enumerate(client.messages.stream(**kwargs)):
        parsed = parse_message(msg)
        if isinstance(parsed, InboundMessage) and parsed.sent_at is not None:
            if since is not None and parsed.sent_at < since:
                break
            newest = max(newest, parsed.sent_at) if newest else parsed.sent_at
        if isinstance(parsed, InboundMessage):
            messages.append(parsed)
        elif isinstance(parsed, Quarantined):
            quarantined.append(parsed)
        if count + 1 >= max_messages:
            break
    messages.reverse()  # oldest first, as they were sent
    return Batch("sms", messages, quarantined, newest.isoformat() if newest else cursor)
