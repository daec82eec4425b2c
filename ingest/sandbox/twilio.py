"""The emulated Twilio Messages API under /2010-04-01/Accounts/{AccountSid}, in Twilio's JSON shapes."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from ingest.sandbox.errors import DELIVERY_ERRORS, TwilioApiError
from ingest.sandbox.segments import num_segments
from ingest.sandbox.sms_store import SmsRecord, new_sid
from ingest.sandbox.state import SandboxState, state_of, utc_now

JSON = dict[str, Any]

DELIVERY_ERROR_SCOPE_KEY = "tocsin.sandbox.delivery_error"
SERVICE_NUMBER = "+15005550006"

_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_MAX_BODY = 1600
_MAX_PAGE_SIZE = 1000
_FILTERS = ("To", "From", "DateSent", "DateSent<", "DateSent>")


def _authenticate(request: Request) -> None:
    """Accept any Basic credentials, but like Twilio refuse a request that carries none."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    try:
        user, colon, _ = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        user, colon = "", ""
    if scheme.lower() != "basic" or not user or not colon:
        raise TwilioApiError(20003)


router = APIRouter(prefix="/2010-04-01/Accounts/{account_sid}", dependencies=[Depends(_authenticate)])


@router.post("/Messages.json")
async def create_message(account_sid: str, request: Request) -> JSONResponse:
    """Send an SMS: validate like Twilio, refuse opted-out numbers and bursts, answer 201 with status queued."""
    state = state_of(request)
    form = await request.form()
    to = str(form.get("To") or "")
    sender = str(form.get("From") or "") or None
    service = str(form.get("MessagingServiceSid") or "") or None
    body = str(form.get("Body") or "")
    if not to:
        raise TwilioApiError(21604)
    if not _E164.match(to):
        raise TwilioApiError(21211, message=f"Invalid 'To' Phone Number: {to}")
    if sender is None and service is None:
        raise TwilioApiError(21603)
    if not body and "MediaUrl" not in form:
        raise TwilioApiError(21602)
    if len(body) > _MAX_BODY:
        raise TwilioApiError(21617)
    if state.sms.is_unsubscribed(to):
        raise TwilioApiError(21610)
    if state.limits.sms_send() is not None:
        raise TwilioApiError(20429)
    error_code = request.scope.get(DELIVERY_ERROR_SCOPE_KEY)
    first = "queued" if sender else "accepted"
    now = utc_now()
    record = state.sms.add(
        SmsRecord(
            sid=new_sid(),
            to=to,
            from_=sender or SERVICE_NUMBER,
            body=body,
            direction="outbound-api",
            created_at=now,
            sent_at=now,
            statuses=(first, "sent", "undelivered" if error_code else "delivered"),
            num_segments=num_segments(body),
            messaging_service_sid=service,
            status_callback=str(form.get("StatusCallback") or "") or None,
            error_code=error_code,
        )
    )
    state.outbox.record("sms", to, body, "text", record.sid)
    return JSONResponse(resource(record, account_sid), status_code=201)


@router.get("/Messages/{sid}.json")
async def fetch_message(account_sid: str, sid: str, request: Request) -> JSONResponse:
    """One message; each fetch of an outbound message shows it one status further along."""
    record = state_of(request).sms.advance(sid)
    if record is None:
        path = f"/2010-04-01/Accounts/{account_sid}/Messages/{sid}.json"
        raise TwilioApiError(20404, message=f"The requested resource {path} was not found")
    return JSONResponse(resource(record, account_sid))


@router.get("/Messages.json")
async def list_messages(account_sid: str, request: Request) -> JSONResponse:
    """A page of messages, newest first, filtered by To, From and day-granular DateSent bounds."""
    query = request.query_params
    filters = [(name, query[name]) for name in _FILTERS if query.get(name)]
    page_size = _int_param(query.get("PageSize"), 50, "PageSize")
    page = _int_param(query.get("Page"), 0, "Page")
    if not 1 <= page_size <= _MAX_PAGE_SIZE:
        raise TwilioApiError(20001, message=f"PageSize must be between 1 and {_MAX_PAGE_SIZE}")
    records = _filtered(state_of(request), dict(filters))
    start = _page_start(records, page, page_size, query.get("PageToken"))
    chunk = records[start : start + page_size]
    base = f"/2010-04-01/Accounts/{account_sid}/Messages.json"

    def uri(number: int, token: str | None = None) -> str:
        params = [*filters, ("PageSize", str(page_size)), ("Page", str(number))]
        if token:
            params.append(("PageToken", token))
        return f"{base}?{urlencode(params)}"

    has_next = bool(chunk) and start + len(chunk) < len(records)
    return JSONResponse(
        {
            "messages": [resource(record, account_sid) for record in chunk],
            "uri": uri(page, query.get("PageToken")),
            "first_page_uri": uri(0),
            "next_page_uri": uri(page + 1, "PA" + chunk[-1].sid) if has_next else None,
            "previous_page_uri": uri(page - 1, "PB" + chunk[0].sid) if page > 0 and chunk else None,
            "page": page,
            "page_size": page_size,
            "start": page * page_size,
            "end": page * page_size + max(len(chunk) - 1, 0),
        }
    )


def resource(record: SmsRecord, account_sid: str) -> JSON:
    """A Message resource as Twilio renders it: RFC 2822 dates, counts as strings, null price."""
    uri = f"/2010-04-01/Accounts/{account_sid}/Messages/{record.sid}.json"
    pending = record.status in ("accepted", "queued")
    failed = record.error_code is not None and record.final
    return {
        "account_sid": account_sid,
        "api_version": "2010-04-01",
        "body": record.body,
        "date_created": format_datetime(record.created_at),
        "date_sent": None if pending else format_datetime(record.sent_at),
        "date_updated": format_datetime(record.created_at if pending else record.sent_at),
        "direction": record.direction,
        "error_code": record.error_code if failed else None,
        "error_message": DELIVERY_ERRORS.get(record.error_code or 0) if failed else None,
        "from": record.from_,
        "messaging_service_sid": record.messaging_service_sid,
        "num_media": "0",
        "num_segments": str(record.num_segments),
        "price": None,
        "price_unit": "USD",
        "sid": record.sid,
        "status": record.status,
        "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
        "to": record.to,
        "uri": uri,
    }


def _int_param(value: str | None, default: int, name: str) -> int:
    """An integer query parameter."""
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise TwilioApiError(20001, message=f"Invalid {name}: {value}") from None


def _day(value: str) -> date:
    """The GMT day of a DateSent value; Twilio ignores any time of day in these filters."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise TwilioApiError(20001, message=f"Invalid DateSent value: {value}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.date()


def _filtered(state: SandboxState, filters: dict[str, str]) -> list[SmsRecord]:
    """The messages matching the list filters, newest first."""
    on, before, after = (_day(filters[key]) if key in filters else None for key in ("DateSent", "DateSent<", "DateSent>"))
    return [
        record
        for record in state.sms.newest_first()
        if filters.get("To", record.to) == record.to
        and filters.get("From", record.from_) == record.from_
        and (on is None or record.sent_at.date() == on)
        and (before is None or record.sent_at.date() <= before)
        and (after is None or record.sent_at.date() >= after)
    ]


def _page_start(records: list[SmsRecord], page: int, page_size: int, token: str | None) -> int:
    """Where a page begins: right after (PA) or just before (PB) the sid in the token, else page * size."""
    if token and token[:2] in ("PA", "PB"):
        sids = [record.sid for record in records]
        if token[2:] in sids:
            anchor = sids.index(token[2:])
            return anchor + 1 if token.startswith("PA") else max(anchor - page_size, 0)
    return page * page_size
