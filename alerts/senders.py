"""Outbound channels with one verb each: ``send`` returns a ``SendResult`` or raises a ``SendError``.

Each channel maps its provider's errors onto the small fixed set below in one
place, and the delivery stage decides from the class alone whether to retry,
wait, or fail over to the member's other channel.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from typing import Any

_PHONE = re.compile(r"\+?\d[\d ()-]{5,}\d")  # provider messages may quote the number; it must not reach logs


@dataclass(frozen=True)
class SendResult:
    provider_id: str
    status: str


class SendError(Exception):
    """A send that did not go through; ``retryable`` says whether trying again may help."""

    retryable = True

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class Throttled(SendError):
    """The provider asked us to slow down."""


class ProviderDown(SendError):
    """A 5xx, a timeout or a dropped connection: worth retrying with backoff."""


class Unreachable(SendError):
    """This address cannot be reached on this channel (blocked bot, invalid number)."""

    retryable = False


class OptedOut(SendError):
    """The recipient unsubscribed on the provider's side (Twilio 21610)."""

    retryable = False


class ConfigError(SendError):
    """Credentials or sender number are wrong: retrying will not help, an operator must act."""

    retryable = False


# Twilio error codes → Tocsin errors (https://www.twilio.com/docs/api/errors).
TWILIO_CODES: dict[int, type[SendError]] = {
    20429: Throttled,
    14107: Throttled,
    21610: OptedOut,
    21211: Unreachable,
    21612: Unreachable,
    21614: Unreachable,
    21408: Unreachable,
    30003: Unreachable,
    30005: Unreachable,
    30006: Unreachable,
    20003: ConfigError,
    21606: ConfigError,
    21659: ConfigError,
}


class Uncertain(SendError):
    """The request may have reached the provider but no answer came back: resending could duplicate it."""

    retryable = False


@dataclass(frozen=True)
class ProviderStatus:
    """A sent message's status at the provider, with the carrier's error code when it failed."""

    status: str
    error_code: int | None = None


class TelegramSender:
    """Sends through the Bot API with python-telegram-bot, on one event loop and connection pool per stage run."""

    channel = "telegram"

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        self._runner: asyncio.Runner | None = None
        self._ready = False

    def _run(self, method: Any, **kwargs: Any) -> SendResult:
        if self._runner is None:
            self._runner = asyncio.Runner()
        if not self._ready:
            self._runner.run(self._call(self.bot.initialize))
            self._ready = True
        message = self._runner.run(self._call(method, **kwargs))
        return SendResult(provider_id=str(message.message_id), status="sent")

    def close(self) -> None:
        """Release the connection pool and the event loop."""
        if self._runner is not None:
            try:
                if self._ready:
                    self._runner.run(self.bot.shutdown())
            finally:
                self._runner.close()
                self._runner = None
                self._ready = False

    def send(self, address: str, text: str, reply_markup: dict[str, Any] | None = None) -> SendResult:
        return self._run(self.bot.send_message, chat_id=int(address), text=text, reply_markup=self._markup(reply_markup))

    def send_photo(self, address: str, photo: bytes, caption: str) -> SendResult:
        """A picture with its caption (Telegram captions hold up to 1024 characters)."""
        return self._run(self.bot.send_photo, chat_id=int(address), photo=photo, caption=caption[:1024])

    def _markup(self, reply_markup: dict[str, Any] | None) -> Any:
        from telegram import InlineKeyboardMarkup

        return InlineKeyboardMarkup.de_json(reply_markup, self.bot) if reply_markup else None

    async def _call(self, method: Any, **kwargs: Any) -> Any:
        from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

        try:
            return await method(**kwargs)
        except RetryAfter as exc:
            delay = exc.retry_after.total_seconds() if hasattr(exc.retry_after, "total_seconds") else float(exc.retry_after)
            raise Throttled("telegram rate limit", retry_after=delay) from None
        except Forbidden as exc:
            raise Unreachable(f"telegram: {exc.message}") from None
        except InvalidToken:
            raise ConfigError("telegram: invalid bot token") from None
        except BadRequest as exc:
            if "chat not found" in exc.message.lower() or "user is deactivated" in exc.message.lower():
                raise Unreachable(f"telegram: {exc.message}") from None
            raise ProviderDown(f"telegram bad request: {exc.message}") from None
        except (TimedOut, NetworkError) as exc:
            if _not_sent(exc):
                raise ProviderDown(f"telegram: {type(exc).__name__}: {exc.message}") from None
            raise Uncertain(f"telegram: no answer ({type(exc.__cause__).__name__ if exc.__cause__ else type(exc).__name__})") from None
        except TelegramError as exc:
            raise ProviderDown(f"telegram: {exc}") from None


def _not_sent(exc: Exception) -> bool:
    """Whether a failed Telegram call surely did not deliver: an HTTP answer (5xx) or a connection never made."""
    import httpx

    cause = exc.__cause__
    return cause is None or isinstance(cause, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


class SmsSender:
    """Sends through Twilio's Messages API."""

    channel = "sms"

    def __init__(self, client: Any, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    def close(self) -> None:
        """Nothing to release: the Twilio client's session is shared."""

    def send(self, address: str, text: str, reply_markup: dict[str, Any] | None = None) -> SendResult:
        message = self._call(lambda: self.client.messages.create(to=address, from_=self.from_number, body=text))
        return SendResult(provider_id=str(message.sid), status=str(message.status))

    def _call(self, request: Any) -> Any:
        """Run one Twilio request, mapping its failures onto the SendError set."""
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            return request()
        except TwilioRestException as exc:
            kind = TWILIO_CODES.get(int(exc.code or 0))
            if kind is None:
                kind = Throttled if exc.status == 429 else ProviderDown if exc.status >= 500 or exc.status == 0 else Unreachable
            raise kind(f"twilio {exc.code or exc.status}: {_PHONE.sub('<number>', str(exc.msg))}"[:200]) from None
        except (TwilioException, OSError) as exc:
            raise ProviderDown(f"twilio: {type(exc).__name__}") from None
        except Exception as exc:  # requests' connection errors and timeouts
            if type(exc).__module__.startswith(("requests", "urllib3")):
                raise ProviderDown(f"twilio: {type(exc).__name__}") from None
            raise

    def status(self, sid: str) -> ProviderStatus:
        """The provider's current status of a sent message (queued, sent, delivered, undelivered...)."""
        message = self._call(lambda: self.client.messages(sid).fetch())
        return ProviderStatus(str(message.status), int(message.error_code) if message.error_code else None)

    def find_sent(self, address: str, text: str, exclude: set[str]) -> SendResult | None:
        """A message with this text to this number that the provider holds and we have not recorded, if any.

        Twilio lets us ask what was really sent, so an interrupted send can be
        settled instead of guessed: found means it went out, absent means it did not.
        """
        for message in self._call(lambda: self.client.messages.list(to=address, limit=50)):
            if message.direction != "inbound" and message.body == text and message.sid not in exclude:
                return SendResult(provider_id=str(message.sid), status=str(message.status))
        return None
