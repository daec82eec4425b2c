"""Provider error shapes, so the real clients turn sandbox failures into their own exceptions."""

from __future__ import annotations

from http import HTTPStatus

from fastapi.responses import JSONResponse

WEBHOOK_CONFLICT = "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"

_BOT_DESCRIPTIONS = {
    400: "Bad Request: sandbox fault",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: POLL_CONFLICT,
}

TWILIO_ERRORS: dict[int, tuple[int, str]] = {
    20001: (400, "Invalid parameter"),
    20003: (401, "Authenticate"),
    20404: (404, "The requested resource was not found"),
    20429: (429, "Too Many Requests"),
    20500: (500, "Internal Server Error"),
    20503: (503, "Service Unavailable"),
    21211: (400, "Invalid 'To' Phone Number"),
    21602: (400, "Message body is required."),
    21603: (400, "A 'From' phone number is required."),
    21604: (400, "A 'To' phone number is required."),
    21610: (400, "Attempt to send to unsubscribed recipient"),
    21612: (400, "The 'To' phone number is not currently reachable via SMS"),
    21614: (400, "'To' number is not a valid mobile number"),
    21617: (400, "The concatenated message body exceeds the 1600 character limit."),
}

DELIVERY_ERRORS: dict[int, str] = {
    30001: "Queue overflow",
    30002: "Account suspended",
    30003: "Unreachable destination handset",
    30004: "Message blocked",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}

_TWILIO_CODE_FOR_STATUS = {400: 20001, 401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


class ProviderError(Exception):
    """A failure raised anywhere in a provider handler and answered in that provider's error shape."""

    def response(self) -> JSONResponse:
        """The error as the provider would send it."""
        raise NotImplementedError


class BotApiError(ProviderError):
    """A Telegram Bot API failure."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def response(self) -> JSONResponse:
        """The JSON body python-telegram-bot maps to RetryAfter, Forbidden, Conflict and friends."""
        body: dict[str, object] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return JSONResponse(body, status_code=self.status)


class TwilioApiError(ProviderError):
    """A Twilio REST failure, answered in the JSON shape that becomes TwilioRestException(code)."""

    def __init__(self, code: int, status: int | None = None, message: str | None = None) -> None:
        known_status, known_message = TWILIO_ERRORS.get(code, (500, "Sandbox fault"))
        self.code = code
        self.status = status or known_status
        self.message = message or known_message
        super().__init__(self.message)

    def response(self) -> JSONResponse:
        """Twilio's legacy error body, which twilio-python reads the code from."""
        body = {
            "code": self.code,
            "message": self.message,
            "more_info": f"https://www.twilio.com/docs/errors/{self.code}",
            "status": self.status,
        }
        return JSONResponse(body, status_code=self.status)


def too_many_requests(retry_after: int) -> BotApiError:
    """Telegram's flood-control answer, which carries the wait in parameters.retry_after."""
    return BotApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def bot_api_fault(status: int | None, retry_after: int | None) -> BotApiError:
    """The error an injected Telegram fault answers with, defaulting to what Telegram says for that status."""
    if retry_after is not None or status == 429:
        return too_many_requests(retry_after or 1)
    status = status or 500
    return BotApiError(status, _BOT_DESCRIPTIONS.get(status) or HTTPStatus(status).phrase)


def twilio_fault(code: int | None, status: int | None) -> TwilioApiError:
    """The error an injected SMS fault answers with; either the code or the status may be left out."""
    if code is None:
        status = status or 500
        code = _TWILIO_CODE_FOR_STATUS.get(status, status)
    return TwilioApiError(code, status)
