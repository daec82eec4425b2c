"""ASGI middleware that applies injected faults before a provider request reaches its handler."""

from __future__ import annotations

import asyncio
import re

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.sandbox.errors import bot_api_fault, twilio_fault
from ingest.sandbox.faults import FaultRule, Faults
from ingest.sandbox.twilio import DELIVERY_ERROR_SCOPE_KEY

_BOT_PATH = re.compile(r"^/bot[^/]+/([A-Za-z]+)$")
_TWILIO_PATH = re.compile(r"^/2010-04-01/Accounts/[^/]+/Messages(/[^/]+)?\.json$")


def classify(method: str, path: str) -> tuple[str, str] | None:
    """(channel, call) for a provider request, the call named as fault rules name it; None otherwise."""
    if bot := _BOT_PATH.match(path):
        return "telegram", bot.group(1)
    if twilio := _TWILIO_PATH.match(path):
        if twilio.group(1):
            return "sms", "fetch"
        return "sms", "create" if method == "POST" else "list"
    return None


class FaultInjector:
    """Delays, fails, or drops provider requests as the active fault rules say."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self._app = app
        self._faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Apply the fault decision for this request, then pass it on unless it failed."""
        target = classify(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if target is None:
            await self._app(scope, receive, send)
            return
        decision = self._faults.decide(*target)
        app_receive = receive
        if decision.latency_s:
            app_receive = await _buffered(receive)
            await asyncio.sleep(decision.latency_s)
        if decision.failure is not None and decision.failure.drop:
            await _drop_connection(receive, app_receive)
            return
        if decision.failure is not None:
            await _error_response(decision.failure)(scope, app_receive, send)
            return
        if decision.delivery_error is not None:
            scope[DELIVERY_ERROR_SCOPE_KEY] = decision.delivery_error
        await self._app(scope, app_receive, send)



def _error_response(rule: FaultRule) -> JSONResponse:
    """The failing rule's answer, in its provider's error shape."""
    if rule.channel == "telegram":
        return bot_api_fault(rule.status, rule.retry_after).response()
    return twilio_fault(rule.twilio_code, rule.status).response()


async def _buffered(receive: Receive) -> Receive:
    """Read the whole request now, so a slow answer still handles a request whose client gave up waiting."""
    messages: list[Message] = []
    while not messages or (messages[-1]["type"] == "http.request" and messages[-1].get("more_body", False)):
        messages.append(await receive())

    async def replay() -> Message:
        return messages.pop(0) if messages else await receive()

    return replay


async def _drop_connection(receive: Receive, request: Receive) -> None:
    """Close the socket under the request, as a flaky network would, so the client sees no response at all.

    The request body is read first (from ``request``, which may replay a buffered one): closing a
    socket with unread data resets it, and the client would then see a reset some of the time and
    a disconnect the rest, where a dropped response is always a disconnect.
    """
    transport = getattr(getattr(receive, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionAbortedError("sandbox fault: connection dropped")
    message = await request()
    while message["type"] == "http.request" and message.get("more_body", False):
        message = await request()
    if message["type"] == "http.disconnect":
        return
    transport.close()
    while (await receive())["type"] != "http.disconnect":
        continue
