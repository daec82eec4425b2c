"""The delivery stage: claim, send, record — so no message goes out twice unseen.

A delivery is claimed (status ``sending``, committed) before the provider is
called and recorded after. A crash in between leaves it ``sending``; once its
lease has expired it is sent again and marked ``resent``, so a possible
duplicate is visible to operators rather than a possible miss being silent.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.outbox import preferred_channel
from alerts.senders import OptedOut, SendError, SendResult
from models.pii import Vault
from models.schema import Delivery, Member, MemberChannel

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=5)

# Provider statuses as data: Twilio/Telegram status → Tocsin delivery status.
PROVIDER_STATUS: dict[str, str] = {
    "accepted": "sent",
    "queued": "sent",
    "sending": "sent",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "received": "delivered",
    "undelivered": "failed",
    "failed": "failed",
    "canceled": "failed",
}


class Sender(Protocol):
    channel: str

    def send(self, address: str, text: str, reply_markup: dict[str, Any] | None = None) -> SendResult: ...


@dataclass
class DeliverStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    failed_over: int = 0
    resent: int = 0
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {"sent": self.sent, "retried": self.retried, "failed": self.failed, "failed_over": self.failed_over, "resent": self.resent, "errors": dict(self.errors)}


class RateLimiter:
    """Spacing per key and overall, so we stay inside the provider's limits instead of hitting 429s."""

    def __init__(self, per_key_interval: float, global_interval: float, sleep: Callable[[float], None] = time.sleep, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.per_key_interval = per_key_interval
        self.global_interval = global_interval
        self._last_key: dict[str, float] = {}
        self._next_global = 0.0
        self._sleep = sleep
        self._now = monotonic

    def wait(self, key: str) -> None:
        now = self._now()
        ready = max(self._next_global, self._last_key.get(key, -1e9) + self.per_key_interval)
        if ready > now:
            self._sleep(ready - now)
            now = ready
        self._last_key[key] = now
        self._next_global = now + self.global_interval


def default_limiters(sms_per_second: float = 10.0) -> dict[str, RateLimiter]:
    """Telegram: 1 message/s per chat and 30/s overall; Twilio: the number's messages per second."""
    return {"telegram": RateLimiter(1.0, 1 / 30), "sms": RateLimiter(0.0, 1 / sms_per_second)}


def deliver(
    session: Session,
    vault: Vault,
    senders: Mapping[str, Sender],
    now: datetime,
    *,
    limit: int = 1000,
    limiters: Mapping[str, RateLimiter] | None = None,
    commit: Callable[[], None] | None = None,
) -> DeliverStats:
    """Send every due delivery once; ``commit`` is called after each claim and each record."""
    commit = commit or session.commit
    limiters = limiters or default_limiters()
    stats = DeliverStats()
    due = session.scalars(
        select(Delivery)
        .where(
            or_(
                (Delivery.status == "pending") & (Delivery.next_attempt_at <= now),
                (Delivery.status == "sending") & (Delivery.claimed_at <= now - LEASE),
            )
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    ).all()
    for delivery in due:
        channel = session.get(MemberChannel, delivery.channel_id) if delivery.channel_id else None
        sender = senders.get(channel.channel) if channel else None
        if channel is None or sender is None:
            _fail(delivery, "no channel to send on" if channel is None else f"no sender configured for {channel.channel}", stats)
            commit()
            continue
        if channel.status != "active":
            _failover(session, delivery, channel, f"channel {channel.status}", now, stats)
            commit()
            continue
        if delivery.status == "sending":
            delivery.error = "resent: the previous attempt was interrupted before its result was recorded"
            stats.resent += 1
        delivery.status = "sending"
        delivery.claimed_at = now
        delivery.attempts += 1
        commit()
        address = vault.decrypt(channel.address_enc)
        limiter = limiters.get(channel.channel)
        if limiter:
            limiter.wait(address)
        try:
            result = sender.send(address, delivery.text, delivery.reply_markup)
        except SendError as exc:
            stats.errors[type(exc).__name__] += 1
            if exc.retryable and delivery.attempts < MAX_ATTEMPTS:
                backoff = timedelta(seconds=exc.retry_after) if exc.retry_after else min(MAX_BACKOFF, timedelta(seconds=2 ** delivery.attempts))
                delivery.status = "pending"
                delivery.next_attempt_at = now + backoff
                delivery.error = exc.reason[:300]
                stats.retried += 1
            elif exc.retryable:
                _failover(session, delivery, channel, f"gave up after {delivery.attempts} attempts: {exc.reason}", now, stats)
            else:
                channel.status = "opted_out" if isinstance(exc, OptedOut) else "failed"
                channel.status_reason = exc.reason[:200]
                _failover(session, delivery, channel, exc.reason, now, stats)
            commit()
            continue
        delivery.status = "sent"
        delivery.provider_id = result.provider_id
        delivery.provider_status = result.status
        delivery.sent_at = now
        stats.sent += 1
        commit()
    return stats


def _fail(delivery: Delivery, reason: str, stats: DeliverStats) -> None:
    delivery.status = "failed"
    delivery.error = reason[:300]
    stats.failed += 1


def _failover(session: Session, delivery: Delivery, channel: MemberChannel, reason: str, now: datetime, stats: DeliverStats) -> None:
    """Fail this delivery and queue the same message on the member's next working channel."""
    _fail(delivery, reason, stats)
    member = session.get(Member, delivery.member_id) if delivery.member_id else None
    if member is None:
        return
    tried = {channel.id}
    previous = session.scalars(select(Delivery.channel_id).where(Delivery.dedupe_key.like(f"{_base_key(delivery.dedupe_key)}%"))).all()
    tried.update(c for c in previous if c is not None)
    other = preferred_channel(member, exclude=tried)
    if other is None:
        log.warning("delivery %s failed on every channel of its recipient", delivery.id)
        return
    session.add(
        Delivery(
            dedupe_key=f"{_base_key(delivery.dedupe_key)}|via:{other.channel}",
            purpose=delivery.purpose,
            member_id=delivery.member_id,
            channel_id=other.id,
            alert_id=delivery.alert_id,
            text=delivery.text,
            reply_markup=delivery.reply_markup if other.channel == "telegram" else None,
            next_attempt_at=now,
            created_at=now,
        )
    )
    stats.failed_over += 1


def _base_key(key: str) -> str:
    return key.split("|via:", 1)[0]


def track_status(session: Session, senders: Mapping[str, Any], now: datetime, window: timedelta = timedelta(hours=6), limit: int = 200) -> int:
    """Refresh the provider status of recent SMS sends (Telegram's send result is final)."""
    sms = senders.get("sms")
    if sms is None or not hasattr(sms, "status"):
        return 0
    rows = session.scalars(
        select(Delivery)
        .join(MemberChannel, Delivery.channel_id == MemberChannel.id)
        .where(MemberChannel.channel == "sms", Delivery.status == "sent", Delivery.provider_id.is_not(None), Delivery.sent_at >= now - window)
        .limit(limit)
    ).all()
    changed = 0
    for row in rows:
        try:
            status = sms.status(row.provider_id)
        except Exception as exc:  # a status lookup failing must not stop delivery
            log.info("status lookup failed for delivery %s: %s", row.id, type(exc).__name__)
            continue
        mapped = PROVIDER_STATUS.get(status, "sent")
        if status != row.provider_status:
            row.provider_status = status
            changed += 1
        if mapped != "sent":
            row.status = mapped
    return changed
