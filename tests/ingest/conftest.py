"""Helpers for ingest tests: act as members through the sandbox's control API and run the stages."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from ingest.clients import telegram_bot, twilio_client
from ingest.retry import RetryPolicy
from ingest.stage import ingest_sms, ingest_telegram
from models.clock import utcnow
from models.schema import Delivery, Report
from tocsin.runtime import SANDBOX_NUMBER, SANDBOX_SID, SANDBOX_TOKEN

FAST = RetryPolicy(attempts=4, backoff_s=0.05, max_backoff_s=0.2, read_margin_s=1.0)


class Members:
    """Members and phones acting on the sandbox, and the stages run against it."""

    def __init__(self, url: str, rt: Any = None) -> None:
        self.url = url
        self.rt = rt
        self.http = httpx.Client(base_url=url, timeout=10)

    def control(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    def telegram(self, user_id: int, text: str | None = None, **fields: Any) -> dict[str, Any]:
        """A Telegram user's action; returns the sandbox's update_id and message_id."""
        body = {"user_id": user_id, **fields}
        if text is not None:
            body["text"] = text
        return self.control("POST", "/control/telegram/messages", body)

    def raw(self, update: dict[str, Any]) -> dict[str, Any]:
        return self.control("POST", "/control/telegram/messages", {"raw": update})

    def sms(self, sender: str, body: str, date_sent: datetime | None = None) -> str:
        """A phone texts the project's number; returns the message SID."""
        payload: dict[str, Any] = {"from": sender, "to": SANDBOX_NUMBER, "body": body}
        if date_sent is not None:
            payload["date_sent"] = date_sent.isoformat()
        return self.control("POST", "/control/sms/messages", payload)["sid"]

    def fault(self, **rule: Any) -> None:
        self.control("POST", "/control/faults", rule)

    def clear_faults(self) -> None:
        self.control("DELETE", "/control/faults")

    def outbox(self) -> list[dict[str, Any]]:
        return self.control("GET", "/control/outbox")

    def bot(self, timeout: float = 10.0) -> Any:
        return telegram_bot(SANDBOX_TOKEN, self.url, timeout=timeout)

    def twilio(self, timeout: float = 15.0) -> Any:
        return twilio_client(SANDBOX_SID, "sandbox", self.url, timeout=timeout)

    def ingest_telegram(self, now: datetime | None = None, policy: RetryPolicy = FAST, **kwargs: Any) -> dict[str, int]:
        with self.rt.session() as session:
            return ingest_telegram(session, self.rt.vault, kwargs.pop("bot", None) or self.bot(), now or utcnow(), policy=policy, **kwargs)

    def ingest_sms(self, now: datetime | None = None, policy: RetryPolicy = FAST, client: Any = None) -> dict[str, int]:
        with self.rt.session() as session:
            return ingest_sms(session, self.rt.vault, client or self.twilio(), SANDBOX_NUMBER, now or utcnow(), policy=policy)

    def reports(self, **where: Any) -> list[Report]:
        with self.rt.session() as session:
            query = select(Report).order_by(Report.id)
            for key, value in where.items():
                query = query.where(getattr(Report, key) == value)
            return list(session.scalars(query))

    def count_reports(self) -> int:
        with self.rt.session() as session:
            return session.scalar(select(func.count()).select_from(Report)) or 0

    def deliveries(self, purpose: str | None = None) -> list[Delivery]:
        with self.rt.session() as session:
            query = select(Delivery).order_by(Delivery.id)
            if purpose:
                query = query.where(Delivery.purpose == purpose)
            return list(session.scalars(query))

    def sender_hash(self, channel: str, address: str | int) -> str:
        return self.rt.vault.hash(channel, address)


@pytest.fixture
def db_url(db_url: str) -> str:
    """The shared fresh database; PostgreSQL without waiting for fsync on each commit, which only durability needs."""
    return f"{db_url}%20-csynchronous_commit%3Doff" if db_url.startswith("postgresql") else db_url


@pytest.fixture
def members(network_rt: Any) -> Iterator[Members]:
    """The demo network loaded, the sandbox empty, ready to act as its members."""
    yield from _acting(Members(network_rt.settings.sandbox_url, network_rt))


@pytest.fixture
def strangers(rt: Any) -> Iterator[Members]:
    """An empty network: every sender is unknown."""
    yield from _acting(Members(rt.settings.sandbox_url, rt))


@pytest.fixture
def phones(sandbox: Any) -> Iterator[Members]:
    """The sandbox alone, for tests that need no database."""
    yield from _acting(Members(sandbox.url))


def _acting(members: Members) -> Iterator[Members]:
    yield members
    members.http.close()
