"""The control API: act as members and phones, read the outbox, inject faults, limits, blocks and opt-outs."""

from __future__ import annotations

from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any, Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ingest.sandbox import telegram_objects as objects
from ingest.sandbox.faults import FaultRule
from ingest.sandbox.segments import num_segments
from ingest.sandbox.sms_store import SmsRecord, new_sid
from ingest.sandbox.state import state_of, utc_now
from ingest.sandbox.telegram_store import TelegramStore

JSON = dict[str, Any]

router = APIRouter(prefix="/control")


class Location(BaseModel):
    """A point a member shares."""

    latitude: float
    longitude: float


class TelegramInbound(BaseModel):
    """What a member does in Telegram: a message, an edit, a button press, or a raw update."""

    user_id: int | None = None
    chat_id: int | None = None
    text: str | None = None
    location: Location | None = None
    live_period: int | None = None
    first_name: str | None = None
    language_code: str | None = None
    photo: bool = False
    voice: bool = False
    document: bool = False
    caption: str | None = None
    edit_of: int | None = None
    callback_data: str | None = None
    message_id: int | None = None
    raw: JSON | None = None

    @model_validator(mode="after")
    def _check(self) -> TelegramInbound:
        """Everything but a raw update needs a sender; a button press needs the message it was on."""
        if self.raw is None and self.user_id is None:
            raise ValueError("user_id is required unless raw is given")
        if self.callback_data is not None and self.message_id is None:
            raise ValueError("callback_data needs the message_id of the bot message with the button")
        return self


class SmsInbound(BaseModel):
    """An SMS a phone sends to the project's number, optionally backdated."""

    model_config = ConfigDict(populate_by_name=True)

    sender: str = Field(alias="from")
    to: str
    body: str = ""
    date_sent: datetime | None = None


class FaultRequest(BaseModel):
    """A fault rule as posted; see FaultRule for what each field does."""

    channel: Literal["telegram", "sms"]
    error_rate: float | None = Field(default=None, ge=0, le=1)
    status: int | None = None
    latency_ms: int = Field(default=0, ge=0)
    retry_after: int | None = Field(default=None, ge=1)
    twilio_code: int | None = None
    count: int | None = Field(default=None, ge=1)
    methods: list[str] | None = None
    drop: bool = False

    @field_validator("status")
    @classmethod
    def _error_status(cls, status: int | None) -> int | None:
        """Only real HTTP error statuses make sense for a fault."""
        if status is not None and (status < 400 or status not in HTTPStatus._value2member_map_):
            raise ValueError("status must be an HTTP error status")
        return status


class LimitsRequest(BaseModel):
    """New rate limits; omitted ones stay as they are, 0 switches one off."""

    telegram_global_per_s: int | None = Field(default=None, ge=0)
    telegram_per_chat_per_s: int | None = Field(default=None, ge=0)
    sms_per_s: int | None = Field(default=None, ge=0)


class BlockRequest(BaseModel):
    """A member who blocks the bot."""

    chat_id: int


class UnsubscribeRequest(BaseModel):
    """A number that texted STOP."""

    number: str


@router.post("/telegram/messages")
async def telegram_message(body: TelegramInbound, request: Request) -> JSON:
    """Queue the update a member's action produces; returns its update_id and message_id."""
    telegram = state_of(request).telegram
    if body.raw is not None:
        update_id = telegram.push_update(body.raw)
        message = body.raw.get("message")
        return {"update_id": update_id, "message_id": message.get("message_id") if isinstance(message, dict) else None}
    if body.callback_data is not None:
        return _callback(telegram, body)
    message = _member_message(telegram, body)
    telegram.remember(message)
    kind = "message" if body.edit_of is None else "edited_message"
    return {"update_id": telegram.push_update({kind: message}), "message_id": message["message_id"]}


@router.post("/sms/messages")
async def sms_message(body: SmsInbound, request: Request) -> JSON:
    """Store an inbound SMS as Twilio would: direction inbound, status received."""
    sent = _utc(body.date_sent) if body.date_sent is not None else utc_now()
    record = SmsRecord(
        sid=new_sid(),
        to=body.to,
        from_=body.sender,
        body=body.body,
        direction="inbound",
        created_at=sent,
        sent_at=sent,
        statuses=("received",),
        num_segments=num_segments(body.body),
    )
    return {"sid": state_of(request).sms.add(record).sid}


@router.get("/outbox")
async def outbox(request: Request) -> list[JSON]:
    """Everything sent so far, oldest first."""
    return state_of(request).outbox.entries()


@router.post("/faults")
async def add_fault(body: FaultRequest, request: Request) -> JSON:
    """Add a fault rule next to the active ones; returns its id."""
    fields = body.model_dump()
    fields["methods"] = tuple(body.methods) if body.methods is not None else None
    return {"id": state_of(request).faults.add(FaultRule(**fields)), **body.model_dump()}


@router.delete("/faults")
async def clear_faults(request: Request) -> JSON:
    """Remove every fault rule."""
    state_of(request).faults.clear()
    return {"ok": True}


@router.post("/limits")
async def set_limits(body: LimitsRequest, request: Request) -> JSON:
    """Change rate limits; returns the limits now in force."""
    limits = state_of(request).limits.configure(**body.model_dump(exclude_none=True))
    return vars(limits)


@router.post("/telegram/block")
async def block(body: BlockRequest, request: Request) -> JSON:
    """The member blocks the bot: sends to the chat get 403 Forbidden."""
    state_of(request).telegram.block(body.chat_id)
    return {"ok": True}


@router.post("/sms/unsubscribe")
async def unsubscribe(body: UnsubscribeRequest, request: Request) -> JSON:
    """The number opted out: creates to it fail with Twilio error 21610."""
    state_of(request).sms.unsubscribe(body.number)
    return {"ok": True}


@router.post("/reset")
async def reset(request: Request) -> JSON:
    """Empty everything and restore default faults and limits."""
    state_of(request).reset()
    return {"ok": True}


@router.get("/health")
async def health() -> JSON:
    """Liveness for whoever started the sandbox."""
    return {"ok": True}


def _utc(moment: datetime) -> datetime:
    """A backdated time in UTC; a time without an offset is taken as UTC, as Twilio's dates are GMT."""
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def _member_message(telegram: TelegramStore, body: TelegramInbound) -> JSON:
    """The Message a member's send (or edit, with edit_of) shows up as."""
    assert body.user_id is not None
    chat_id = body.chat_id if body.chat_id is not None else body.user_id
    now = int(utc_now().timestamp())
    message: JSON = {
        "message_id": body.edit_of if body.edit_of is not None else telegram.next_message_id(chat_id),
        "from": objects.user(body.user_id, body.first_name, body.language_code),
        "chat": objects.chat(chat_id, body.first_name),
        "date": now,
    }
    if body.edit_of is not None:
        original = telegram.message(chat_id, body.edit_of)
        message["date"] = original["date"] if original else now
        message["edit_date"] = now
    if body.text is not None:
        message["text"] = body.text
    if body.location is not None:
        message["location"] = body.location.model_dump()
        if body.live_period is not None:
            message["location"]["live_period"] = body.live_period
    if body.photo:
        message["photo"] = objects.photo_sizes(*objects.new_file_ids())
    if body.voice:
        message["voice"] = objects.voice()
    if body.document:
        message["document"] = objects.document()
    if body.caption is not None:
        message["caption"] = body.caption
    return message


def _callback(telegram: TelegramStore, body: TelegramInbound) -> JSON:
    """A button press on a bot message; a message the sandbox never saw is shown as inaccessible."""
    assert body.user_id is not None and body.message_id is not None
    chat_id = body.chat_id if body.chat_id is not None else body.user_id
    message = telegram.message(chat_id, body.message_id) or {"chat": objects.chat(chat_id), "message_id": body.message_id, "date": 0}
    query = {
        "id": telegram.issue_callback(),
        "from": objects.user(body.user_id, body.first_name, body.language_code),
        "message": message,
        "chat_instance": str(chat_id),
        "data": body.callback_data,
    }
    return {"update_id": telegram.push_update({"callback_query": query}), "message_id": body.message_id}
