"""The emulated Twilio account's memory: inbound and outbound messages and opted-out numbers."""

from __future__ import annotations

import dataclasses
import itertools
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SmsRecord:
    """One message; its status walks along `statuses`, one step per fetch."""

    sid: str
    to: str
    from_: str
    body: str
    direction: str
    created_at: datetime
    sent_at: datetime
    statuses: tuple[str, ...]
    num_segments: int
    seq: int = 0
    stage: int = 0
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    error_code: int | None = None

    @property
    def status(self) -> str:
        """The status as of the last fetch."""
        return self.statuses[self.stage]

    @property
    def final(self) -> bool:
        """Whether the status can move no further."""
        return self.stage == len(self.statuses) - 1


def new_sid() -> str:
    """A message sid shaped like Twilio's: SM and 32 hex digits."""
    return "SM" + secrets.token_hex(16)


class SmsStore:
    """Thread-safe message store; the list order is Twilio's, newest sent first."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = itertools.count()
        self._records: dict[str, SmsRecord] = {}
        self._unsubscribed: set[str] = set()

    def reset(self) -> None:
        """Forget every message and opt-out."""
        with self._lock:
            self._records.clear()
            self._unsubscribed.clear()

    def add(self, record: SmsRecord) -> SmsRecord:
        """Store a new message, giving it its place in the order."""
        with self._lock:
            record = dataclasses.replace(record, seq=next(self._seq))
            self._records[record.sid] = record
            return record

    def advance(self, sid: str) -> SmsRecord | None:
        """A fetch: the message one status further along than at the previous look."""
        with self._lock:
            record = self._records.get(sid)
            if record is None:
                return None
            if not record.final:
                self._records[sid] = dataclasses.replace(record, stage=record.stage + 1)
            return self._records[sid]

    def newest_first(self) -> list[SmsRecord]:
        """Every message, newest sent first."""
        with self._lock:
            return sorted(self._records.values(), key=lambda r: (r.sent_at, r.seq), reverse=True)

    def unsubscribe(self, number: str) -> None:
        """The number texted STOP: Twilio refuses further sends to it."""
        with self._lock:
            self._unsubscribed.add(number)

    def is_unsubscribed(self, number: str) -> bool:
        """Whether sends to the number are refused."""
        with self._lock:
            return number in self._unsubscribed
