"""The delivery stage: claim, send, record — so no message goes out twice.

A delivery is claimed (status ``sending``, committed) before the provider is
called and recorded after. A crash in between leaves it ``sending``; once its
lease has expired it is settled, never blindly resent: where the provider can
say what it sent (Twilio), it is asked, and the delivery is recorded as sent
or sent now; where it cannot (Telegram), the delivery becomes ``unconfirmed``
and is counted and logged, and the alert's deadline escalates it if nobody
acknowledges. Sends are paced to the providers' limits: each step sends the
delivery whose channel and chat are free soonest, so Telegram and SMS go out
side by side.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from alerts.outbox import preferred_channel
from alerts.senders import OptedOut, SendError, SendResult, Uncertain
from models.pii import Vault
from models.schema import Delivery, Member, MemberChannel

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=5)
INLINE_RETRY = timedelta(seconds=5)  # shorter backoffs are waited out within the run
# Carrier errors after a message was accepted that mean the number cannot be reached.
UNREACHABLE_CODES = {30003, 30005, 30006, 21610}

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
    reconciled: int = 0
    unconfirmed: int = 0
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in self.__dict__.items() if k != "errors"}, "errors": dict(self.errors)}


class RateLimiter:
    """At most ``per_key`` sends per window to one address and ``overall`` in all, as the provider counts them."""

    def __init__(self, per_key: int, overall: int, window: float = 1.0, margin: float = 0.02) -> None:
        self.per_key = per_key
        self.overall = overall
        self.window = window + margin  # a little slack for the request's trip to the provider
        self._all: deque[float] = deque(maxlen=max(overall, 1))
        self._keys: dict[str, deque[float]] = {}

    def ready_at(self, key: str) -> float:
        """The monotonic time from which a send to ``key`` stays inside both limits."""
        ready = 0.0
        if self.overall and len(self._all) >= self.overall:
            ready = self._all[0] + self.window
        sent = self._keys.get(key)
        if self.per_key and sent is not None and len(sent) >= self.per_key:
            ready = max(ready, sent[0] + self.window)
        return ready

    def record(self, key: str, at: float) -> None:
        """Count a send made at ``at``."""
        self._all.append(at)
        self._keys.setdefault(key, deque(maxlen=max(self.per_key, 1))).append(at)


def default_limiters(sms_per_second: int = 10) -> dict[str, RateLimiter]:
    """Telegram: 1 message/s per chat and 30/s overall; Twilio: the number's messages per second."""
    return {"telegram": RateLimiter(1, 30), "sms": RateLimiter(0, sms_per_second)}


@dataclass
class _Item:
    delivery: Delivery
    channel: MemberChannel
    sender: Any
    address: str = field(repr=False)
    not_before: float = 0.0


def deliver(
    session: Session,
    vault: Vault,
    senders: Mapping[str, Any],
    now: datetime,
    *,
    limit: int = 1000,
    limiters: Mapping[str, RateLimiter] | None = None,
    commit: Callable[[], None] | None = None,
    inline_retry: timedelta = INLINE_RETRY,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> DeliverStats:
    """Send every due delivery once, paced to the limits; ``commit`` is called after each claim and each record."""
    commit = commit or session.commit
    limiters = limiters if limiters is not None else default_limiters()
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
    queue: list[_Item] = []
    for delivery in due:
        item = _prepare(session, vault, senders, delivery, now, stats)
        if session.dirty or session.new:
            commit()
        if item is not None:
            queue.append(item)
    while queue:
        item = min(queue, key=lambda i: max(i.not_before, _ready(limiters, i)))
        wait = max(item.not_before, _ready(limiters, item)) - monotonic()
        if wait > 0:
            sleep(wait)
        queue.remove(item)
        again, follow_up = _attempt(session, item, limiters, now, stats, commit, inline_retry, monotonic)
        if again:
            queue.append(item)
        if follow_up is not None:
            nxt = _prepare(session, vault, senders, follow_up, now, stats)
            commit()
            if nxt is not None:
                queue.append(nxt)
    return stats


def _ready(limiters: Mapping[str, RateLimiter], item: _Item) -> float:
    limiter = limiters.get(item.channel.channel)
    return limiter.ready_at(item.address) if limiter else 0.0


def _prepare(session: Session, vault: Vault, senders: Mapping[str, Any], delivery: Delivery, now: datetime, stats: DeliverStats) -> _Item | None:
    """The delivery made ready to send, or settled here (no channel, dead channel, interrupted send)."""
    channel = session.get(MemberChannel, delivery.channel_id) if delivery.channel_id else None
    sender = senders.get(channel.channel) if channel else None
    if channel is None or sender is None:
        _fail(delivery, "no channel to send on" if channel is None else f"no sender configured for {channel.channel}", stats)
        return None
    if channel.status != "active":
        _failover(session, delivery, channel, f"channel {channel.status}", now, stats)
        return None
    address = vault.decrypt(channel.address_enc)
    if delivery.status == "sending" and not _settle_interrupted(session, delivery, sender, address, now, stats):
        return None
    return _Item(delivery, channel, sender, address)


def _settle_interrupted(session: Session, delivery: Delivery, sender: Any, address: str, now: datetime, stats: DeliverStats) -> bool:
    """A send whose result was never recorded: True when it is safe to send now, else settled here."""
    if not hasattr(sender, "find_sent"):
        delivery.status = "unconfirmed"
        delivery.error = "interrupted between send and record; not resent, so it cannot arrive twice"
        stats.unconfirmed += 1
        log.warning("delivery %s was interrupted after its claim and is unconfirmed", delivery.id)
        return False
    try:
        found = sender.find_sent(address, delivery.text, _recorded_ids(session, delivery))
    except SendError as exc:
        delivery.next_attempt_at = now + timedelta(minutes=1)
        delivery.error = f"interrupted; provider could not be asked yet: {exc.reason}"[:300]
        return False
    if found is not None:
        _record(delivery, found, now)
        delivery.error = "interrupted after sending; the provider's record settled it"
        stats.reconciled += 1
        return False
    delivery.error = "interrupted before sending; the provider has no record, so it is sent now"
    return True


def _recorded_ids(session: Session, delivery: Delivery) -> set[str]:
    """Provider ids other deliveries on this channel already account for."""
    return set(session.scalars(select(Delivery.provider_id).where(Delivery.channel_id == delivery.channel_id, Delivery.provider_id.is_not(None), Delivery.id != delivery.id)))


def _attempt(
    session: Session,
    item: _Item,
    limiters: Mapping[str, RateLimiter],
    now: datetime,
    stats: DeliverStats,
    commit: Callable[[], None],
    inline_retry: timedelta,
    monotonic: Callable[[], float],
) -> tuple[bool, Delivery | None]:
    """Claim, send and record one delivery; returns (try again in this run, failover delivery)."""
    delivery, channel = item.delivery, item.channel
    if delivery.attempts > 0 and hasattr(item.sender, "find_sent") and delivery.status == "pending":
        # A retry after an error that may have hidden a real send: ask the provider first.
        try:
            found = item.sender.find_sent(item.address, delivery.text, _recorded_ids(session, delivery))
        except SendError:
            found = None
        if found is not None:
            _record(delivery, found, now)
            stats.reconciled += 1
            commit()
            return False, None
    if not _claim(session, delivery, now):
        log.info("delivery %s was claimed by another run", delivery.id)
        return False, None
    commit()
    limiter = limiters.get(channel.channel)
    try:
        if delivery.photo is not None and hasattr(item.sender, "send_photo"):
            result = item.sender.send_photo(item.address, delivery.photo, delivery.text)
        else:
            result = item.sender.send(item.address, delivery.text, delivery.reply_markup)
    except SendError as exc:
        stats.errors[type(exc).__name__] += 1
        if limiter:
            limiter.record(item.address, monotonic())
        again, follow_up = _handle_error(session, item, exc, now, stats, inline_retry, monotonic)
        commit()
        return again, follow_up
    if limiter:
        # Counted when the answer arrives, which is surely after the provider counted it: jitter cannot cause a 429.
        limiter.record(item.address, monotonic())
    _record(delivery, result, now)
    stats.sent += 1
    commit()
    return False, None


def _claim(session: Session, delivery: Delivery, now: datetime) -> bool:
    """Take the delivery only if nobody changed it since it was read, so two runs never both send it."""
    result: Any = session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.status == delivery.status, Delivery.attempts == delivery.attempts)
        .values(status="sending", claimed_at=now, attempts=delivery.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        session.expire(delivery)
        return False
    set_committed_value(delivery, "status", "sending")
    set_committed_value(delivery, "claimed_at", now)
    set_committed_value(delivery, "attempts", delivery.attempts + 1)
    return True


def _handle_error(session: Session, item: _Item, exc: SendError, now: datetime, stats: DeliverStats, inline_retry: timedelta, monotonic: Callable[[], float]) -> tuple[bool, Delivery | None]:
    delivery, channel = item.delivery, item.channel
    if isinstance(exc, Uncertain):
        delivery.status = "unconfirmed"
        delivery.error = f"{exc.reason}; not resent, so it cannot arrive twice"[:300]
        stats.unconfirmed += 1
        log.warning("delivery %s is unconfirmed: %s", delivery.id, exc.reason)
        return False, None
    if exc.retryable and delivery.attempts < MAX_ATTEMPTS:
        backoff = timedelta(seconds=exc.retry_after) if exc.retry_after else min(MAX_BACKOFF, timedelta(seconds=2 ** (delivery.attempts - 1)))
        delivery.status = "pending"
        delivery.next_attempt_at = now + backoff
        delivery.error = exc.reason[:300]
        stats.retried += 1
        if backoff <= inline_retry:
            item.not_before = monotonic() + backoff.total_seconds()
            return True, None
        return False, None
    if exc.retryable:
        return False, _failover(session, delivery, channel, f"gave up after {delivery.attempts} attempts: {exc.reason}", now, stats)
    channel.status = "opted_out" if isinstance(exc, OptedOut) else "failed"
    channel.status_reason = exc.reason[:200]
    return False, _failover(session, delivery, channel, exc.reason, now, stats)


def _record(delivery: Delivery, result: SendResult, now: datetime) -> None:
    delivery.status = "sent"
    delivery.provider_id = result.provider_id
    delivery.provider_status = result.status
    delivery.sent_at = now


def _fail(delivery: Delivery, reason: str, stats: DeliverStats) -> None:
    delivery.status = "failed"
    delivery.error = reason[:300]
    stats.failed += 1


def _failover(session: Session, delivery: Delivery, channel: MemberChannel, reason: str, now: datetime, stats: DeliverStats) -> Delivery | None:
    """Fail this delivery and queue the same message on the member's next working channel."""
    _fail(delivery, reason, stats)
    member = session.get(Member, delivery.member_id) if delivery.member_id else None
    if member is None:
        return None
    base = _base_key(delivery.dedupe_key)
    tried = {channel.id}
    previous = session.scalars(select(Delivery.channel_id).where(or_(Delivery.dedupe_key == base, Delivery.dedupe_key.like(f"{base}|via:%")))).all()
    tried.update(c for c in previous if c is not None)
    other = preferred_channel(member, exclude=tried)
    if other is None:
        log.warning("delivery %s failed on every channel of its recipient", delivery.id)
        return None
    follow_up = Delivery(
        dedupe_key=f"{base}|via:{other.channel}",
        purpose=delivery.purpose,
        member_id=delivery.member_id,
        channel_id=other.id,
        alert_id=delivery.alert_id,
        text=delivery.text,
        reply_markup=delivery.reply_markup if other.channel == "telegram" else None,
        photo=delivery.photo if other.channel == "telegram" else None,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(follow_up)
    session.flush()
    stats.failed_over += 1
    return follow_up


def _base_key(key: str) -> str:
    return key.split("|via:", 1)[0]


def track_status(session: Session, vault: Vault, senders: Mapping[str, Any], now: datetime, window: timedelta = timedelta(hours=6), limit: int = 200) -> dict[str, int]:
    """Refresh the carrier status of recent SMS; an undeliverable number is marked and the message failed over."""
    sms = senders.get("sms")
    if sms is None or not hasattr(sms, "status"):
        return {"checked": 0, "delivered": 0, "failed": 0}
    rows = session.scalars(
        select(Delivery)
        .join(MemberChannel, Delivery.channel_id == MemberChannel.id)
        .where(MemberChannel.channel == "sms", Delivery.status == "sent", Delivery.provider_id.is_not(None), Delivery.sent_at >= now - window)
        .order_by(Delivery.id)
        .limit(limit)
    ).all()
    counts = {"checked": 0, "delivered": 0, "failed": 0}
    stats = DeliverStats()
    for row in rows:
        try:
            status = sms.status(row.provider_id)
        except SendError as exc:  # a status lookup failing must not stop delivery
            log.info("status lookup failed for delivery %s: %s", row.id, exc.reason)
            continue
        counts["checked"] += 1
        row.provider_status = status.status
        mapped = PROVIDER_STATUS.get(status.status, "sent")
        if mapped == "delivered":
            row.status = "delivered"
            counts["delivered"] += 1
        elif mapped == "failed":
            counts["failed"] += 1
            channel = session.get(MemberChannel, row.channel_id)
            reason = f"carrier: {status.status} ({status.error_code or 'no code'})"
            if channel is not None and status.error_code in UNREACHABLE_CODES:
                channel.status = "failed"
                channel.status_reason = reason
            if channel is not None:
                _failover(session, row, channel, reason, now, stats)
    return counts
