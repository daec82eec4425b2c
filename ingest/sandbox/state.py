"""Everything the sandbox remembers, held in one object so a reset is one call."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from ingest.sandbox.faults import Faults
from ingest.sandbox.limits import RateLimiter
from ingest.sandbox.sms_store import SmsStore
from ingest.sandbox.telegram_store import TelegramStore


def utc_now() -> datetime:
    """The sandbox clock."""
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, as the control API reports times."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Outbox:
    """Every message the bot or the SMS account sent, oldest first, for tests and the demo to read."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: list[dict[str, Any]] = []

    def record(self, channel: str, to: int | str, text: str, kind: str, message_id: int | str, reply_markup: Any = None) -> None:
        """Note one sent message."""
        entry: dict[str, Any] = {"channel": channel, "to": to, "text": text, "at": iso(utc_now()), "id": message_id, "kind": kind}
        if reply_markup is not None:
            entry["reply_markup"] = reply_markup
        with self._lock:
            self._entries.append(entry)

    def entries(self) -> list[dict[str, Any]]:
        """A copy of the outbox."""
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def reset(self) -> None:
        """Empty the outbox."""
        with self._lock:
            self._entries.clear()


@dataclass
class SandboxState:
    """The stores of both emulated providers and the knobs the control API turns."""

    telegram: TelegramStore = field(default_factory=TelegramStore)
    sms: SmsStore = field(default_factory=SmsStore)
    outbox: Outbox = field(default_factory=Outbox)
    faults: Faults = field(default_factory=Faults)
    limits: RateLimiter = field(default_factory=RateLimiter)

    def reset(self) -> None:
        """Empty everything and put faults and limits back to their defaults."""
        self.telegram.reset()
        self.sms.reset()
        self.outbox.reset()
        self.faults.clear()
        self.limits.reset()


def state_of(request: Request) -> SandboxState:
    """The state of the app serving this request."""
    state: SandboxState = request.app.state.sandbox
    return state
