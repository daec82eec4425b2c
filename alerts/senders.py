"""Outbound channels with one verb each: ``send`` returns a ``SendResult`` or raises a ``SendError``.

Each channel maps its provider's errors onto the small fixed set below in one
place, and the delivery stage decides from the class alone whether to retry,
wait, or fail over to the member's other channel.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any


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


class TelegramSender:
    """Sends through the Bot API with python-telegram-bot."""

    channel = "telegram"

    def __init__(self, bot: Any) -> None:
        self.bot = bot

    def send(self, address: str, text: str, reply_markup: dict[str, Any] | None = None) -> SendResult:
        return asyncio.run(self._send(address, text, reply_markup))

    def send_many(self, items: list[tuple[str, str, dict[str, Any] | None]]) -> list[SendResult | SendError]:
        """Send several messages over one connection; each gets its result or error."""
        return asyncio.run(self._send_many(items))

    async def _send_many(self, items: list[tuple[str, str, dict[str, Any] | None]]) -> list[SendResult | SendError]:
        out: list[SendResult | SendError] = []
        async with self.bot:
            for address, text, markup in items:
                try:
                    out.append(await self._send_one(address, text, markup))
                except SendError as exc:
                    out.append(exc)
        return out

    async def _send(self, address: str, text: str, reply_markup: dict[str, Any] | None) -> SendResult:
        async with self.bot:
            return await self._send_one(address, text, reply_markup)

    async def _send_one(self, address: str, text: str, reply_markup: dict[str, Any] | None) -> SendResult:
        from telegram import InlineKeyboardMarkup
        from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError, TimedOut

        markup = InlineKeyboardMarkup.de_json(reply_markup, self.bot) if reply_markup else None
        try:
            message = await self.bot.send_message(chat_id=int(address), text=text, reply_markup=markup)
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
            raise ProviderDown(f"telegram: {type(exc).__name__}: {exc}") from None
        except TelegramError as exc:
            raise ProviderDown(f"telegram: {exc}") from None
        return SendResult(provider_id=str(message.message_id), status="sent")


class SmsSender:
    """Sends through Twilio's Messages API."""

    channel = "sms"

    def __init__(self, client: Any, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    def send(self, address: str, text: str, reply_markup: dict[str, Any] | None = None) -> SendResult:
        from twilio.base.exceptions import TwilioException, TwilioRestException

        try:
            message = self.client.messages.create(to=address, from_=self.from_number, body=text)
        except TwilioRestException as exc:
            kind = TWILIO_CODES.get(int(exc.code or 0))
            if kind is None:
                kind = Throttled if exc.status == 429 else ProviderDown if exc.status >= 500 or exc.status == 0 else Unreachable
            raise kind(f"twilio {exc.code or exc.status}: {exc.msg}"[:200]) from None
        except (TwilioException, OSError) as exc:
            raise ProviderDown(f"twilio: {type(exc).__name__}") from None
        except Exception as exc:  # requests' connection errors and timeouts
            if type(exc).__module__.startswith(("requests", "urllib3")):
                raise ProviderDown(f"twilio: {type(exc).__name__}") from None
            raise
        return SendResult(provider_id=str(message.sid), status=str(message.status))

    def status(self, sid: str) -> str:
        """The provider's current status of a sent message (queued, sent, delivered, failed...)."""
        return str(self.client.messages(sid).fetch().status)
