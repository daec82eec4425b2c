"""The channel-neutral shape every provider payload is turned into."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

MAX_TEXT = 4096  # longer texts are cut and flagged, never rejected


@dataclass(frozen=True)
class InboundMessage:
    """One thing a member sent, whatever the channel.

    ``sender`` is the raw address (phone number or Telegram user id): it is PII
    and leaves ingest only encrypted or hashed. ``repr`` hides it.
    """

    channel: str
    provider_id: str
    sender: str = field(repr=False)
    text: str
    sent_at: datetime | None = None
    media: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    edit_of: str | None = None
    callback_data: str | None = None
    callback_id: str | None = None
    sender_lang: str | None = None
    truncated: bool = False


@dataclass(frozen=True)
class Quarantined:
    """A payload that could not become a message, kept with the reason."""

    channel: str
    provider_id: str
    reason: str
    payload: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Batch:
    """What one fetch from a provider produced, and the cursor that covers it."""

    channel: str
    messages: list[InboundMessage]
    quarantined: list[Quarantined]
    cursor: str | None


def clean_text(raw: Any) -> tuple[str, bool]:
    """Text made safe to store: a string, no NULs or lone surrogates, bounded length."""
    if raw is None:
        return "", False
    if isinstance(raw, bytes):
        text = raw.decode("utf-8", errors="replace")
    else:
        text = str(raw)
    text = text.replace("\x00", "").encode("utf-8", errors="replace").decode("utf-8")
    if len(text) > MAX_TEXT:
        return text[:MAX_TEXT], True
    return text, False


def payload_key(prefix: str, payload: object) -> str:
    """A stable id for a payload that carries none of its own, so a re-read is recognised."""
    try:
        blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        blob = repr(payload)
    return f"{prefix}{hashlib.sha256(blob.encode('utf-8', errors='replace')).hexdigest()[:32]}"
