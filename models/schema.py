"""The Tocsin data model: the one place that knows the schema.

Reporter identity (phone numbers, Telegram ids) is never stored in clear:
``MemberChannel.address_enc`` holds it encrypted and ``address_hash`` (a keyed
hash) is what lookups and unique keys use.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from models.clock import utcnow


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops tzinfo)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        from datetime import timezone

        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        from datetime import timezone

        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


class Region(Base):
    __tablename__ = "regions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), default=None)
    aliases: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Member(Base):
    __tablename__ = "members"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    role: Mapped[str] = mapped_column(String(32), default="reporter")
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), default=None)
    lang: Mapped[str] = mapped_column(String(8), default="en")
    trust: Mapped[str] = mapped_column(String(20), default="registered")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    status_updates: Mapped[bool] = mapped_column(Boolean, default=False)
    awaiting: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    channels: Mapped[list[MemberChannel]] = relationship(back_populates="member", lazy="selectin")


class MemberChannel(Base):
    """One way to reach a member; the address is encrypted, found by keyed hash."""

    __tablename__ = "member_channels"
    __table_args__ = (UniqueConstraint("channel", "address_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    channel: Mapped[str] = mapped_column(String(16))
    address_hash: Mapped[str] = mapped_column(String(64))
    address_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default="active")
    status_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship(back_populates="channels")


class Report(Base):
    """A message a member sent; stored once per provider message id."""

    __tablename__ = "reports"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_reports_status", "status"),
        Index("ix_reports_sender_received", "sender_hash", "received_at"),
        Index("ix_reports_text_hash_received", "text_hash", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(12), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), default=None)
    sender_hash: Mapped[str] = mapped_column(String(64))
    trust: Mapped[str] = mapped_column(String(20), default="unknown")
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[str | None] = mapped_column(String(32), default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16), default="report")
    status: Mapped[str] = mapped_column(String(16), default="new")
    flags: Mapped[dict[str, Any]] = mapped_column(default=dict)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    text_hash: Mapped[str | None] = mapped_column(String(64), default=None)


class ReportRevision(Base):
    """An earlier text and place of an edited report (Telegram edits keep the same report).

    ``provider_id`` is the edit that replaced it, so re-reading the same edit is a no-op.
    """

    __tablename__ = "report_revisions"
    __table_args__ = (Index("ix_report_revisions_provider", "provider_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    revision: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    provider_id: Mapped[str | None] = mapped_column(String(64), default=None)
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow)


class Quarantine(Base):
    """An inbound payload that could not be made a report, with the reason."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(300))
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelVersion(Base):
    """A trained classifier: its artifact (skops bytes), metrics and provenance."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="candidate")
    algorithm: Mapped[str] = mapped_column(String(200))
    data_fingerprint: Mapped[str] = mapped_column(String(64))
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    artifact: Mapped[bytes] = mapped_column(LargeBinary)
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column(default=None)


class Signal(Base):
    """The classifier's reading of one report, with what it was based on."""

    __tablename__ = "signals"
    __table_args__ = (Index("ix_signals_incident", "incident_id"), Index("ix_signals_region_created", "region_id", "created_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), unique=True)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    lang: Mapped[str] = mapped_column(String(8))
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), default=None)
    model_version: Mapped[str] = mapped_column(String(64))
    probabilities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    lexicon_hits: Mapped[list[Any]] = mapped_column(default=list)
    corrected: Mapped[bool] = mapped_column(Boolean, default=False)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Correction(Base):
    """An operator's label for a report; feeds retraining."""

    __tablename__ = "corrections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(Integer)
    operator: Mapped[str] = mapped_column(String(100), default="operator")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Incident(Base):
    """Signals about the same event in the same place, alerted on once."""

    __tablename__ = "incidents"
    __table_args__ = (Index("ix_incidents_open", "status", "region_id", "category"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(12), unique=True)
    kind: Mapped[str] = mapped_column(String(16), default="incident")
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id"), default=None)
    category: Mapped[str] = mapped_column(String(40))
    severity: Mapped[int] = mapped_column(Integer)
    confidence: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="open")
    summary: Mapped[str] = mapped_column(Text, default="")
    report_count: Mapped[int] = mapped_column(Integer, default=1)
    reporter_count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen: Mapped[datetime] = mapped_column(default=utcnow)
    routed_severity: Mapped[int] = mapped_column(Integer, default=0)
    acknowledged_by: Mapped[str | None] = mapped_column(ForeignKey("members.id"), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Alert(Base):
    """One incident routed to one member by one rule; escalates on its deadline."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("incident_id", "member_id"), Index("ix_alerts_status_deadline", "status", "deadline_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("members.id"))
    tier: Mapped[int] = mapped_column(Integer, default=0)
    rule: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(default=None)


class Delivery(Base):
    """An outbound message: claimed before it is sent, recorded after.

    ``dedupe_key`` makes a second attempt to queue the same message a no-op.
    """

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next", "status", "next_attempt_at"), Index("ix_deliveries_alert", "alert_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(String(16))
    member_id: Mapped[str | None] = mapped_column(ForeignKey("members.id"), default=None)
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("member_channels.id"), default=None)
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id"), default=None)
    text: Mapped[str] = mapped_column(Text)
    reply_markup: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    photo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(default=None)
    provider_id: Mapped[str | None] = mapped_column(String(64), default=None)
    provider_status: Mapped[str | None] = mapped_column(String(32), default=None)
    error: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)


class ChannelCursor(Base):
    """How far a provider has been read; advanced in the same commit as the reports."""

    __tablename__ = "channel_cursors"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
