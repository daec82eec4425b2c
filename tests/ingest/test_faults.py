"""Faults anywhere — provider, network, task, database — end with every report stored exactly once.

Each test counts what members sent against what was stored and acknowledged
after the runs a scheduler would make: lost = 0 and duplicated = 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import create_engine, event, text

import ingest.store
from ingest.errors import ChannelMisconfigured, IngestError, ProviderUnavailable, StoreFailed
from ingest.retry import RetryPolicy
from tests.ingest.conftest import Members

SITA_TG, AHMED_SMS = 700000001, "+9647700000014"
STRANGERS_TG = [720000000 + n for n in range(20)]
STRANGERS_SMS = [f"+25571100{n:04d}" for n in range(20)]
QUICK = RetryPolicy(attempts=3, backoff_s=0.02, max_backoff_s=0.05, read_margin_s=0.6)


def send_telegram(members: Members, count: int) -> list[str]:
    texts = [f"telegram report {n}" for n in range(count)]
    for n, body in enumerate(texts):
        members.telegram(STRANGERS_TG[n % len(STRANGERS_TG)], body)
    return texts


def send_sms(members: Members, count: int) -> list[str]:
    texts = [f"sms report {n}" for n in range(count)]
    for n, body in enumerate(texts):
        members.sms(STRANGERS_SMS[n % len(STRANGERS_SMS)], body)
    return texts


def run_until_done(run: Callable[[], Any], runs: int = 6) -> int:
    """Run a stage the way a scheduler retries a failed task; returns how many runs failed."""
    failed = 0
    for _ in range(runs):
        try:
            run()
        except IngestError:
            failed += 1
            continue
        return failed
    raise AssertionError("the stage never succeeded")


def assert_exactly_once(members: Members, sent: list[str]) -> None:
    stored = Counter(r.text for r in members.reports())
    lost = [t for t in sent if stored[t] == 0]
    duplicated = [t for t, n in stored.items() if n > 1]
    assert (lost, duplicated, sum(stored.values())) == ([], [], len(sent))
    acks = members.deliveries("ack")
    assert len(acks) == len({a.dedupe_key for a in acks}) == len(sent)


def test_telegram_provider_errors_timeouts_and_dropped_connections(strangers: Members) -> None:
    sent = send_telegram(strangers, 110)
    strangers.fault(channel="telegram", status=500, count=2, methods=["getUpdates"])
    strangers.fault(channel="telegram", drop=True, count=1, methods=["getUpdates"])
    strangers.fault(channel="telegram", status=502, count=4, methods=["getUpdates"])  # outlasts one run's retries
    strangers.fault(channel="telegram", latency_ms=1500, count=1, methods=["getUpdates"])
    failed = run_until_done(lambda: strangers.ingest_telegram(policy=QUICK, bot=strangers.bot(timeout=0.6)))
    assert failed >= 1
    assert_exactly_once(strangers, sent)


def test_sms_provider_errors_timeouts_and_dropped_connections(strangers: Members) -> None:
    sent = send_sms(strangers, 40)
    strangers.fault(channel="sms", status=500, count=2, methods=["list"])
    strangers.fault(channel="sms", drop=True, count=1, methods=["list"])
    strangers.fault(channel="sms", twilio_code=20429, count=4, methods=["list"])
    strangers.fault(channel="sms", latency_ms=1500, count=1, methods=["list"])
    failed = run_until_done(lambda: strangers.ingest_sms(policy=QUICK, client=strangers.twilio(timeout=0.6)))
    assert failed >= 1
    assert_exactly_once(strangers, sent)


def test_a_run_that_always_fails_reports_why_without_identities(strangers: Members) -> None:
    strangers.sms(AHMED_SMS, "kept")
    strangers.fault(channel="sms", status=503, methods=["list"])
    with pytest.raises(ProviderUnavailable) as failure:
        strangers.ingest_sms(policy=QUICK)
    assert "503" in str(failure.value) and AHMED_SMS not in str(failure.value)


def test_task_killed_between_fetch_and_commit(strangers: Members, monkeypatch: pytest.MonkeyPatch) -> None:
    sent = send_telegram(strangers, 110) + send_sms(strangers, 20)
    real = ingest.store.set_cursor
    crash_at = {"telegram": 2, "sms": 1}  # Telegram's first batch of 100 commits, its second is killed; SMS dies at once
    calls = Counter[str]()

    def killed(session: Any, channel: str, value: str | None, now: Any) -> None:
        calls[channel] += 1
        if calls[channel] == crash_at[channel]:
            raise KeyboardInterrupt("task killed after fetch, before commit")
        real(session, channel, value, now)

    monkeypatch.setattr(ingest.store, "set_cursor", killed)
    for run in (strangers.ingest_telegram, strangers.ingest_sms):
        with pytest.raises(KeyboardInterrupt):
            run()
    assert strangers.count_reports() == 100
    strangers.ingest_telegram()
    strangers.ingest_sms()
    assert_exactly_once(strangers, sent)


@pytest.fixture
def database_outage(strangers: Members, db_url: str) -> Iterator[Callable[[int], None]]:
    """Make the database go away at the first report INSERT, ``times`` times over.

    PostgreSQL really loses the connection (its backend is terminated from
    outside); SQLite has no server to lose, so the driver's own error is raised.
    """
    engine = strangers.rt.engine
    remaining = {"n": 0}
    admin = create_engine(db_url) if db_url.startswith("postgresql") else None

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if remaining["n"] <= 0 or not statement.startswith("INSERT INTO reports"):
            return
        remaining["n"] -= 1
        if admin is None:
            import sqlite3

            raise sqlite3.OperationalError("disk I/O error")
        pid = conn.connection.dbapi_connection.info.backend_pid
        with admin.begin() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

    event.listen(engine, "before_cursor_execute", before)
    yield lambda times: remaining.update(n=times)
    event.remove(engine, "before_cursor_execute", before)
    if admin is not None:
        admin.dispose()


def test_database_gone_for_a_moment_is_retried_within_the_run(strangers: Members, database_outage: Callable[[int], None]) -> None:
    sent = send_telegram(strangers, 30) + send_sms(strangers, 10)
    database_outage(1)
    strangers.ingest_telegram()
    database_outage(1)
    strangers.ingest_sms()
    assert_exactly_once(strangers, sent)


def test_database_gone_for_longer_fails_the_run_and_a_rerun_stores_all(strangers: Members, database_outage: Callable[[int], None]) -> None:
    sent = send_telegram(strangers, 30) + send_sms(strangers, 10)
    database_outage(2)
    with pytest.raises(StoreFailed):
        strangers.ingest_telegram()
    database_outage(2)
    with pytest.raises(StoreFailed):
        strangers.ingest_sms()
    assert strangers.count_reports() == 0
    strangers.ingest_telegram()
    strangers.ingest_sms()
    assert_exactly_once(strangers, sent)


def test_refused_credentials_fail_at_once_as_not_retryable(strangers: Members) -> None:
    strangers.fault(channel="telegram", status=401, methods=["getMe"])
    strangers.fault(channel="sms", status=401, methods=["list"])
    for run in (strangers.ingest_telegram, strangers.ingest_sms):
        with pytest.raises(ChannelMisconfigured) as failure:
            run()
        assert failure.value.retryable is False
