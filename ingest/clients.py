"""The real provider clients, pointed at the real services or at a sandbox by base URL alone."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from telegram import Bot
from telegram.request import HTTPXRequest
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TELEGRAM_TIMEOUT_S = 10.0
TWILIO_TIMEOUT_S = 15.0

_BOT_TOKEN = re.compile(r"(bot\d+)(?::|%3A)[A-Za-z0-9_-]+", re.IGNORECASE)


def _redact(value: object) -> object:
    """The value with any bot token's secret half masked; other values unchanged."""
    text = str(value)
    return _BOT_TOKEN.sub(r"\1:***", text) if _BOT_TOKEN.search(text) else value


class _TokenRedactor(logging.Filter):
    """Masks bot tokens in httpx's request log lines, which carry them in the URL path."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record in place and always let it through."""
        record.msg = _redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        return True


_REDACTOR = _TokenRedactor()


class _PayloadRedactor(logging.Filter):
    """Drops request parameters and response bodies from python-telegram-bot's logs: they carry members' chat ids."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Keep the endpoint name, replace everything that came from or went to a member."""
        message = str(record.msg)
        if isinstance(record.args, tuple) and ("Bot API endpoint" in message or "invalid JSON" in message):
            keep = 1 if "Bot API endpoint" in message else 0
            record.args = record.args[:keep] + ("<redacted>",) * (len(record.args) - keep)
        return True


_PAYLOAD_REDACTOR = _PayloadRedactor()
_TELEGRAM_LOGGERS = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.request.BaseRequest")


class _RedactedBot(Bot):
    """A Bot whose repr names the bot id but not its token's secret."""

    __slots__ = ()

    def __repr__(self) -> str:
        bot_id, _, _ = self.token.partition(":")
        return f"Bot[token={bot_id}:***]"


class RoutedTwilioHttpClient(TwilioHttpClient):
    """Sends Twilio API calls for any *.twilio.com host to base_url, so a sandbox needs no code path of its own."""

    def __init__(self, base_url: str, timeout: float = TWILIO_TIMEOUT_S) -> None:
        super().__init__(timeout=timeout)
        self._base_url = base_url.rstrip("/")

    def request(
        self,
        method: str,
        url: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        """Make the request against base_url when the URL points at Twilio."""
        return super().request(method, self.route(url), params, data, headers, auth, timeout, allow_redirects)

    def route(self, url: str) -> str:
        """The URL with a Twilio host replaced by base_url; other URLs pass unchanged."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme != "https" or not (host == "twilio.com" or host.endswith(".twilio.com")):
            return url
        query = f"?{parts.query}" if parts.query else ""
        return f"{self._base_url}{parts.path}{query}"


def _http_request(pool_size: int, timeout: float) -> HTTPXRequest:
    """An httpx request layer that gives up on a silent Bot API instead of hanging a task."""
    return HTTPXRequest(
        connection_pool_size=pool_size,
        connect_timeout=min(5.0, timeout),
        read_timeout=timeout,
        write_timeout=timeout,
    )


def telegram_bot(token: str, base_url: str | None = None, *, timeout: float = TELEGRAM_TIMEOUT_S) -> Bot:
    """A Bot for api.telegram.org, or for the Bot API at base_url (a sandbox or a local Bot API server)."""
    logging.getLogger("httpx").addFilter(_REDACTOR)
    for name in _TELEGRAM_LOGGERS:
        logging.getLogger(name).addFilter(_PAYLOAD_REDACTOR)
    request = _http_request(pool_size=8, timeout=timeout)
    # python-telegram-bot adds getUpdates' own timeout to this read timeout, so it only needs a margin.
    updates_request = _http_request(pool_size=1, timeout=timeout)
    if base_url is None:
        return _RedactedBot(token, request=request, get_updates_request=updates_request)
    root = base_url.rstrip("/")
    return _RedactedBot(
        token,
        base_url=f"{root}/bot",
        base_file_url=f"{root}/file/bot",
        request=request,
        get_updates_request=updates_request,
    )


def twilio_client(account_sid: str, auth_token: str, base_url: str | None = None, *, timeout: float = TWILIO_TIMEOUT_S) -> Client:
    """A Twilio client for api.twilio.com, or for the Messages API at base_url."""
    http_client = TwilioHttpClient(timeout=timeout) if base_url is None else RoutedTwilioHttpClient(base_url, timeout)
    return Client(account_sid, auth_token, http_client=http_client)
