"""Acknowledging stored reports: one reply per report, in the member's language, never to a stopped member.

Queued in bulk (one query, one INSERT per batch) with the same rules as
``alerts.outbox.queue_message``: a dedupe key per report makes a second
attempt a no-op, and the reply goes back on the channel the report came in on
when it still works.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from alerts.outbox import preferred_channel
from ingest.members import Sender
from ingest.replies import reply
from ingest.sql import among
from models.schema import Delivery


def ack_key(channel: str, provider_id: str) -> str:
    """The outbox dedupe key of a report's acknowledgement: the report's own unique provider id."""
    return f"ack:{channel}:{provider_id}"


def queue_acks(session: Session, reports: Sequence[tuple[str, str, str, Sender]], now: datetime) -> int:
    """Queue one acknowledgement per (channel, provider id, ref, sender); returns how many were queued."""
    keys = {ack_key(channel, provider_id) for channel, provider_id, _, _ in reports}
    queued = set(session.scalars(select(Delivery.dedupe_key).where(among(session, Delivery.dedupe_key, keys)))) if keys else set()
    rows: list[dict[str, Any]] = []
    for channel, provider_id, ref, sender in reports:
        member, key = sender.member, ack_key(channel, provider_id)
        if member.opted_out or key in queued:
            continue
        target = sender.channel if sender.channel.status == "active" else preferred_channel(member)
        if target is None:
            continue
        queued.add(key)
        rows.append(
            {
                "dedupe_key": key,
                "purpose": "ack",
                "member_id": member.id,
                "channel_id": target.id,
                "text": reply("ack", member.lang, ref=ref),
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)
