"""Why an ingest run stopped, as a small fixed set that says whether a retry can help.

Messages never carry a phone number, a Telegram id or message text: they end
up in task logs and the Airflow UI.
"""

from __future__ import annotations


class IngestError(RuntimeError):
    """An ingest run stopped; the provider cursor was not advanced past anything unstored."""

    retryable = True


class ProviderUnavailable(IngestError):
    """The provider kept failing (errors, timeouts, dropped connections) through every retry."""


class Throttled(IngestError):
    """The provider asked us to wait longer than a run may sleep."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ChannelConflict(IngestError):
    """Another process is reading the same bot's updates (Telegram 409)."""


class ChannelMisconfigured(IngestError):
    """The credentials or account are refused; retrying will not help until they are fixed."""

    retryable = False


class StoreFailed(IngestError):
    """The database failed while a batch was being stored; nothing of that batch was committed."""
