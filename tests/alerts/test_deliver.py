"""Delivery through the sandbox: exactly once under provider faults and crashes, paced to the limits, tracked."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from alerts.deliver import LEASE, RateLimiter, default_limiters, track_status
from alerts.outbox import queue_message
from models.schema import Delivery, Member, MemberChannel, Region
from tests.alerts.conftest import T0, control, deliver_now, outbox


def add_members(rt: Any, count: int, *, sms_every: int = 2) -> list[str]:
    """``count`` focal persons; every ``sms_every``-th one is reachable by SMS only, the others by Telegram."""
    from ingest.network import attach_channel

    ids = []
    with rt.session() as session:
        session.add(Region(id="r-test", name="Testland"))
        session.flush()
        for i in range(count):
            member = Member(id=f"m-{i:03d}", name=f"Member {i}", role="focal_person", region_id="r-test", lang="en")
            session.add(member)
            session.flush()
            if i % sms_every == 0:
                attach_channel(session, rt.vault, member, "sms", f"+2557{i:08d}")
            else:
                attach_channel(session, rt.vault, member, "telegram", str(800000000 + i))
            ids.append(member.id)
        session.commit()
    return ids


def queue_to_all(rt: Any, ids: list[str], text: str = "TOCSIN test alert {i}. Reply ACK ABCDE") -> None:
    with rt.session() as session:
        for i, member_id in enumerate(ids):
            queue_message(session, session.get(Member, member_id), "alert", text.format(i=i), f"test:{member_id}", now=T0)
        session.commit()


def deliver_until_done(rt: Any, rounds: int = 12) -> list[dict[str, Any]]:
    """Run delivery as the stream would, the clock moving on, until nothing is due."""
    runs = []
    for n in range(rounds):
        runs.append(deliver_now(rt, T0 + timedelta(minutes=n)))
        with rt.session() as session:
            if not session.scalars(select(Delivery).where(Delivery.status.in_(("pending", "sending")))).first():
                return runs
    raise AssertionError(f"deliveries still pending after {rounds} runs: {runs}")


def per_recipient(sandbox: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for message in outbox(sandbox):
        counts[str(message["to"])] = counts.get(str(message["to"]), 0) + 1
    return counts


def test_provider_faults_during_fan_out_end_with_everyone_served_exactly_once(rt, sandbox, no_limits) -> None:
    ids = add_members(rt, 24)
    queue_to_all(rt, ids)
    control(sandbox, "faults", {"channel": "telegram", "status": 429, "retry_after": 1, "count": 3, "methods": ["sendMessage"]})
    control(sandbox, "faults", {"channel": "telegram", "status": 502, "count": 3, "methods": ["sendMessage"]})
    control(sandbox, "faults", {"channel": "sms", "status": 429, "twilio_code": 20429, "count": 3, "methods": ["create"]})
    control(sandbox, "faults", {"channel": "sms", "status": 503, "count": 2, "methods": ["create"]})
    control(sandbox, "faults", {"channel": "sms", "drop": True, "count": 2, "methods": ["create"]})

    runs = deliver_until_done(rt)

    counts = per_recipient(sandbox)
    assert len(counts) == 24 and set(counts.values()) == {1}
    errors: dict[str, int] = {}
    for run in runs:
        for name, n in run["errors"].items():
            errors[name] = errors.get(name, 0) + n
    assert errors == {"Throttled": 6, "ProviderDown": 7}
    with rt.session() as session:
        assert {d.status for d in session.scalars(select(Delivery))} == {"sent"}


class CrashAfterSend:
    """A sender that really sends, then dies before the result can be recorded (a killed worker)."""

    def __init__(self, real: Any) -> None:
        self.real = real
        self.channel = real.channel

    def send(self, address: str, text: str, reply_markup: Any = None) -> Any:
        self.real.send(address, text, reply_markup)
        raise SystemExit("worker killed between send and record")


@pytest.mark.parametrize("channel", ["sms", "telegram"])
def test_a_crash_between_send_and_record_never_sends_twice_and_is_visible(rt, sandbox, no_limits, channel: str) -> None:
    from alerts.deliver import deliver

    ids = add_members(rt, 2)
    member = ids[0] if channel == "sms" else ids[1]
    queue_to_all(rt, [member])
    senders = rt.senders()
    crashing = {channel: CrashAfterSend(senders[channel])}
    with rt.session() as session, pytest.raises(SystemExit):
        deliver(session, rt.vault, crashing, T0, limiters={})
    with rt.session() as session:
        assert session.scalars(select(Delivery)).one().status == "sending"

    assert deliver_now(rt, T0 + LEASE / 2)["sent"] == 0  # still within the lease: left alone
    stats = deliver_now(rt, T0 + LEASE)
    deliver_now(rt, T0 + 2 * LEASE)

    assert len(outbox(sandbox)) == 1
    with rt.session() as session:
        delivery = session.scalars(select(Delivery)).one()
    if channel == "sms":
        # Twilio can say what it sent: the delivery is recorded with the message that really went out.
        assert stats["reconciled"] == 1 and delivery.status == "sent"
        assert delivery.provider_id == outbox(sandbox)[0]["id"] and "settled" in delivery.error
    else:
        # Telegram cannot: the delivery is marked, counted and logged, never silently resent or dropped.
        assert stats["unconfirmed"] == 1 and delivery.status == "unconfirmed"
        assert "not resent" in delivery.error
    for s in senders.values():
        s.close()


def test_an_sms_whose_answer_was_lost_is_found_at_the_provider_not_sent_again(rt, sandbox, no_limits) -> None:
    ids = add_members(rt, 1)
    queue_to_all(rt, ids)
    # The provider handled the send but its answer never came back.
    senders = rt.senders()

    class LostAnswer:
        channel = "sms"

        def __init__(self) -> None:
            self.find_sent = senders["sms"].find_sent

        def send(self, address: str, text: str, reply_markup: Any = None) -> Any:
            from alerts.senders import ProviderDown

            senders["sms"].send(address, text)
            raise ProviderDown("twilio: ConnectionError")

    from alerts.deliver import deliver

    with rt.session() as session:
        first = deliver(session, rt.vault, {"sms": LostAnswer()}, T0, limiters={}, inline_retry=timedelta(0))
    second = deliver_now(rt, T0 + timedelta(minutes=1))

    assert first.retried == 1
    assert second["reconciled"] == 1 and second["sent"] == 0
    assert len(outbox(sandbox)) == 1
    senders["sms"].close()


def test_sends_are_paced_to_the_sandbox_limits_without_a_single_429(rt, sandbox) -> None:
    control(sandbox, "limits", {"telegram_per_chat_per_s": 1, "telegram_global_per_s": 5, "sms_per_s": 3})
    ids = add_members(rt, 8)
    with rt.session() as session:
        chat = session.get(Member, ids[1])
        for n in range(2):  # two messages for one chat: one per second at most
            queue_message(session, chat, "notice", f"TOCSIN notice {n}", f"extra:{n}", now=T0)
        session.commit()
    queue_to_all(rt, ids)

    stats = deliver_now(rt, T0, limiters={"telegram": RateLimiter(1, 5), "sms": RateLimiter(0, 3)})

    assert stats["sent"] == 10 and stats["errors"] == {} and stats["retried"] == 0
    assert len(outbox(sandbox)) == 10


def test_rate_limiter_waits_for_the_window_per_key_and_overall() -> None:
    limiter = RateLimiter(per_key=1, overall=3, window=1.0, margin=0.0)
    for t, key in ((0.0, "a"), (0.1, "b"), (0.2, "c")):
        assert limiter.ready_at(key) <= t
        limiter.record(key, t)
    assert limiter.ready_at("d") == pytest.approx(1.0)  # three in the window: the fourth waits for the first to age out
    limiter.record("d", 1.0)
    assert limiter.ready_at("b") == pytest.approx(1.1)
    assert default_limiters(sms_per_second=4)["sms"].overall == 4


def test_sms_status_is_tracked_and_an_undeliverable_number_fails_over(rt, sandbox, no_limits) -> None:
    from ingest.network import attach_channel

    ids = add_members(rt, 3)  # m-000 and m-002 by SMS
    with rt.session() as session:
        attach_channel(session, rt.vault, session.get(Member, ids[2]), "telegram", "800000999")
        session.commit()
    queue_to_all(rt, [ids[0]])
    deliver_now(rt, T0)
    control(sandbox, "faults", {"channel": "sms", "twilio_code": 30003, "count": 1})
    with rt.session() as session:
        member = session.get(Member, ids[2])
        sms = next(c for c in member.channels if c.channel == "sms")
        queue_message(session, member, "alert", "TOCSIN second alert", f"test:{ids[2]}", channel=sms, now=T0)
        session.commit()
    deliver_now(rt, T0)
    senders = rt.senders()

    with rt.session() as session:
        track_status(session, rt.vault, senders, T0)  # queued → sent
        counts = track_status(session, rt.vault, senders, T0)  # sent → delivered / undelivered 30003
        session.commit()
    deliver_now(rt, T0)

    assert counts == {"checked": 2, "delivered": 1, "failed": 1}
    with rt.session() as session:
        by_member = {d.member_id: d for d in session.scalars(select(Delivery).where(Delivery.dedupe_key.like("test:%")).order_by(Delivery.id))}
        assert by_member[ids[0]].status == "delivered" and by_member[ids[0]].provider_status == "delivered"
        channel = session.scalars(select(MemberChannel).where(MemberChannel.member_id == ids[2], MemberChannel.channel == "sms")).one()
        assert channel.status == "failed" and "30003" in channel.status_reason
    assert [m["channel"] for m in outbox(sandbox) if m["text"].startswith("TOCSIN second")] == ["sms", "telegram"]
    for s in senders.values():
        s.close()


def test_a_telegram_send_with_no_answer_is_marked_unconfirmed_not_resent(rt, sandbox, no_limits) -> None:
    ids = add_members(rt, 2)
    queue_to_all(rt, [ids[1]])
    control(sandbox, "faults", {"channel": "telegram", "drop": True, "count": 1, "methods": ["sendMessage"]})

    first = deliver_now(rt, T0)
    second = deliver_now(rt, T0 + 2 * LEASE)

    # Telegram cannot be asked whether it got the message: the outcome is counted and stored, and the
    # alert's acknowledgement deadline escalates it if the recipient never saw it.
    assert first["unconfirmed"] == 1 and first["errors"] == {"Uncertain": 1}
    assert second["sent"] == 0 and second["unconfirmed"] == 0
    with rt.session() as session:
        delivery = session.scalars(select(Delivery)).one()
        assert delivery.status == "unconfirmed" and "not resent" in delivery.error
