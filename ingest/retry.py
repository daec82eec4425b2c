"""How long and how often ingest retries a provider before giving the run up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    """Retry settings for one run; tests pass short delays, production keeps the defaults."""

    attempts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    max_retry_after_s: float = 60.0
    read_margin_s: float = 10.0  # how long a Bot API call may take beyond its long-poll timeout

    def delay(self, attempt: int, hint: float | None = None) -> float:
        """The wait before retry ``attempt`` (0-based): the provider's hint, else exponential backoff."""
        if hint is not None:
            return hint
        return min(self.max_backoff_s, self.backoff_s * 2**attempt)


DEFAULT_POLICY = RetryPolicy()
