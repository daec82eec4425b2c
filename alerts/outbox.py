"""Queueing outbound messages: at most one per dedupe key, never to a stopped member."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.clock import utcnow
from models.schema import Delivery, Member, MemberChannel

CHANNEL_PREFERENCE = ("telegram", "sms")


def preferred_channel(member: Member, exclude: set[int] | None = None) -> MemberChannel | None:
    """The member's best working channel: Telegram first (free, no segment limit), then SMS."""
    usable = [c for c in member.channels if c.status == "active" and c.id not in (exclude or set())]
    usable.sort(key=lambda c: CHANNEL_PREFERENCE.index(c.channel) if c.channel in CHANNEL_PREFERENCE else 99)
    return usable[0] if usable else None


def queue_message(
    session: Session,
    member: Member,
    purpose: str,
    text: str,
    dedupe_key: str,
    *,
    channel: MemberChannel | None = None,
    alert_id: int | None = None,
    reply_markup: dict[str, Any] | None = None,
    now: datetime | None = None,
    even_if_stopped: bool = False,
) -> Delivery | None:
    """Queue ``text`` for ``member``; None when already queued, stopped, or unreachable."""
    if member.opted_out and not even_if_stopped:
        return None
    if session.scalar(select(Delivery.id).where(Delivery.dedupe_key == dedupe_key)) is not None:
        return None
    target = channel if channel is not None and channel.status == "active" else preferred_channel(member)
    if target is None:
        return None
    delivery = Delivery(
        dedupe_key=dedupe_key,
        purpose=purpose,
        member_id=member.id,
        channel_id=target.id,
        alert_id=alert_id,
        text=text,
        reply_markup=reply_markup,
        next_attempt_at=now or utcnow(),
        created_at=now or utcnow(),
    )
    session.add(delivery)
    session.flush()
    return delivery
