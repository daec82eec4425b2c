"""Provider rate limits over sliding one-second windows, so bursts get the provider's own 429."""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections import deque
from collections.abc import Hashable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Sends allowed per second; 0 switches a limit off. The defaults are the providers' documented ones."""

    telegram_global_per_s: int = 30
    telegram_per_chat_per_s: int = 1
    sms_per_s: int = 10


class RateLimiter:
    """Counts successful sends and says how long to wait when one would break a limit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limits = Limits()
        self._windows: dict[Hashable, deque[float]] = {}

    @property
    def limits(self) -> Limits:
        """The limits in force."""
        return self._limits

    def configure(self, **changes: int) -> Limits:
        """Change some limits, keeping the others."""
        with self._lock:
            self._limits = dataclasses.replace(self._limits, **changes)
            return self._limits

    def reset(self) -> None:
        """Back to the default limits with empty windows."""
        with self._lock:
            self._limits = Limits()
            self._windows.clear()

    def telegram_send(self, chat_id: int) -> int | None:
        """Seconds to wait before sending to this chat, or None after counting the send."""
        limits = self._limits
        return self._acquire((("telegram",), limits.telegram_global_per_s), (("telegram", chat_id), limits.telegram_per_chat_per_s))

    def sms_send(self) -> int | None:
        """Seconds to wait before creating another SMS, or None after counting it."""
        return self._acquire((("sms",), self._limits.sms_per_s))

    def _acquire(self, *windows: tuple[Hashable, int]) -> int | None:
        """Count a send in every window only when all of them have room, as one request is one send."""
        now = time.monotonic()
        active = [(key, limit) for key, limit in windows if limit > 0]
        with self._lock:
            waits = []
            for key, limit in active:
                window = self._windows.setdefault(key, deque())
                while window and window[0] <= now - 1.0:
                    window.popleft()
                if len(window) >= limit:
                    waits.append(window[0] + 1.0 - now)
            if waits:
                return max(1, math.ceil(max(waits)))
            for key, _ in active:
                self._windows[key].append(now)
            return None
