"""Storing a fetched batch: reports, commands, quarantine, replies and the cursor, in one commit.

The cursor row is written in the same transaction as the reports it covers, so
a crash anywhere before the commit leaves both untouched and the next run reads
the same messages again; the unique (channel, provider_id) key makes that
re-read harmless.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.outbox import queue_message
from ingest.commands import Command, parse_command
from ingest.message import Batch, InboundMessage
from ingest.network import attach_channel
from ingest.replies import LANGS, reply
from models.pii import Vault
from models.refs import new_ref
from models.schema import ChannelCursor, Member, MemberChannel, Quarantine, Region, Report, ReportRevision

log = logging.getLogger(__name__)

FLOOD_WINDOW = timedelta(minutes=10)
FLOOD_LIMIT = 15  # reports per sender per window before the rest are held for review
COORDINATED_WINDOW = timedelta(minutes=30)
COORDINATED_SENDERS = 3


@dataclass
class StoreStats:
    stored: int = 0
    duplicates: int = 0
    commands: int = 0
    edits: int = 0
    quarantined: int = 0
    held: int = 0
    callbacks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if isinstance(v, int)}


def get_cursor(session: Session, channel: str) -> str | None:
    row = session.get(ChannelCursor, channel)
    return row.value if row else None


def set_cursor(session: Session, channel: str, value: str | None, now: datetime) -> None:
    if value is None:
        return
    row = session.get(ChannelCursor, channel)
    if row is None:
        session.add(ChannelCursor(channel=channel, value=value, updated_at=now))
    elif row.value != value:
        row.value = value
        row.updated_at = now


def store_batch(session: Session, vault: Vault, batch: Batch, now: datetime, find_region: "RegionFinder") -> StoreStats:
    """Persist ``batch`` and advance its cursor; the caller commits."""
    stats = StoreStats()
    _store_quarantine(session, vault, batch, now, stats)
    ids = [m.provider_id for m in batch.messages]
    seen = set(session.scalars(select(Report.provider_id).where(Report.channel == batch.channel, Report.provider_id.in_(ids)))) if ids else set()
    for msg in batch.messages:
        if msg.provider_id in seen:
            stats.duplicates += 1
            continue
        seen.add(msg.provider_id)
        member, channel_row = resolve_sender(session, vault, msg, now)
        if msg.callback_id:
            stats.callbacks.append(msg.callback_id)
        if msg.edit_of and _apply_edit(session, msg, now):
            stats.edits += 1
            continue
        command = parse_command(msg.text, msg.callback_data)
        if command is None and member.awaiting == "area" and msg.text.strip():
            region_id = find_region(msg.text)
            if region_id:
                command = Command("join", msg.text.strip())
        report = Report(
            ref=new_ref(),
            channel=msg.channel,
            provider_id=msg.provider_id,
            member_id=member.id,
            sender_hash=channel_row.address_hash,
            trust=member.trust,
            text=msg.text,
            media=msg.media,
            latitude=msg.latitude,
            longitude=msg.longitude,
            sent_at=msg.sent_at,
            received_at=now,
            kind="command" if command else "report",
            status="command" if command else "new",
            flags={"truncated": True} if msg.truncated else {},
        )
        session.add(report)
        session.flush()
        if command:
            stats.commands += 1
            handle_command(session, vault, member, channel_row, command, report, now, find_region)
            continue
        stats.stored += 1
        if _flooding(session, report, now):
            report.status = "held"
            report.flags = {**report.flags, "flood": True}
            stats.held += 1
            continue
        queue_message(session, member, "ack", reply("ack", member.lang, ref=report.ref), f"ack:{report.id}", channel=channel_row, now=now)
    _flag_coordinated(session, batch, now)
    set_cursor(session, batch.channel, batch.cursor, now)
    return stats


class RegionFinder:
    """Callable protocol: text -> region id or None (a Gazetteer's ``find``)."""

    def __call__(self, text: str) -> str | None: ...


def resolve_sender(session: Session, vault: Vault, msg: InboundMessage, now: datetime) -> tuple[Member, MemberChannel]:
    """The member behind the sender address; an unknown sender becomes an 'unknown' member, never dropped."""
    digest = vault.hash(msg.channel, msg.sender)
    channel_row = session.scalar(select(MemberChannel).where(MemberChannel.channel == msg.channel, MemberChannel.address_hash == digest))
    if channel_row is not None:
        return channel_row.member, channel_row
    lang = msg.sender_lang[:2] if msg.sender_lang and msg.sender_lang[:2] in LANGS else "en"
    member = Member(id=f"u-{digest[:12]}", role="reporter", trust="unknown", lang=lang, created_at=now, updated_at=now)
    session.add(member)
    session.flush()
    channel_row = attach_channel(session, vault, member, msg.channel, msg.sender)
    session.flush()
    return member, channel_row


def handle_command(session: Session, vault: Vault, member: Member, channel_row: MemberChannel, command: Command, report: Report, now: datetime, find_region: RegionFinder) -> None:
    """Carry out a member command and queue its reply on the channel it came from."""
    key = f"cmd:{report.id}"
    if command.name == "stop":
        member.opted_out = True
        member.awaiting = None
        queue_message(session, member, "reply", reply("stopped", member.lang), key, channel=channel_row, now=now, even_if_stopped=True)
    elif command.name == "start":
        was_stopped = member.opted_out
        member.opted_out = False
        if member.trust == "unknown" and not was_stopped and channel_row.channel == "telegram" and member.region_id is None:
            member.awaiting = "area"
            queue_message(session, member, "reply", reply("welcome", member.lang), key, channel=channel_row, now=now)
        else:
            queue_message(session, member, "reply", reply("started" if was_stopped else "help", member.lang), key, channel=channel_row, now=now)
    elif command.name == "help":
        queue_message(session, member, "reply", reply("help", member.lang), key, channel=channel_row, now=now)
    elif command.name == "lang":
        if command.argument in LANGS:
            member.lang = command.argument
            queue_message(session, member, "reply", reply("lang_set", member.lang), key, channel=channel_row, now=now)
        else:
            queue_message(session, member, "reply", reply("help", member.lang), key, channel=channel_row, now=now)
    elif command.name == "join":
        region_id = find_region(command.argument) if command.argument else None
        region = session.get(Region, region_id) if region_id else None
        if region is None:
            member.awaiting = "area"
            queue_message(session, member, "reply", reply("join_unknown_area", member.lang, area=command.argument[:40] or "?"), key, channel=channel_row, now=now)
            return
        member.region_id = region.id
        member.awaiting = None
        member.opted_out = False
        if member.trust == "unknown":
            member.trust = "self_registered"
        queue_message(session, member, "reply", reply("joined", member.lang, area=region.name), key, channel=channel_row, now=now)
    elif command.name == "ack":
        from alerts.acknowledge import acknowledge

        if not acknowledge(session, member, command.argument, now, via=channel_row):
            queue_message(session, member, "reply", reply("ack_unknown", member.lang, code=command.argument), key, channel=channel_row, now=now)


def _apply_edit(session: Session, msg: InboundMessage, now: datetime) -> bool:
    """Keep the earlier text as a revision and put the edited text on the report; False if unknown."""
    report = session.scalar(select(Report).where(Report.channel == msg.channel, Report.provider_id == msg.edit_of))
    if report is None:
        return False
    session.add(ReportRevision(report_id=report.id, revision=report.revision, text=report.text, replaced_at=now))
    report.revision += 1
    report.text = msg.text
    if msg.latitude is not None:
        report.latitude, report.longitude = msg.latitude, msg.longitude
    if report.status in ("classified", "new"):
        report.status = "new"  # re-classified with the edited text
    # The edit's own provider id is recorded so a re-read of the same edit is a duplicate.
    session.add(Quarantine(channel=msg.channel, provider_id=msg.provider_id, reason="edit applied", payload_enc=b"", created_at=now))
    return True


def _store_quarantine(session: Session, vault: Vault, batch: Batch, now: datetime, stats: StoreStats) -> None:
    ids = [q.provider_id for q in batch.quarantined]
    seen = set(session.scalars(select(Quarantine.provider_id).where(Quarantine.channel == batch.channel, Quarantine.provider_id.in_(ids)))) if ids else set()
    for item in batch.quarantined:
        if item.provider_id in seen:
            continue
        seen.add(item.provider_id)
        payload = json.dumps(item.payload, ensure_ascii=False, default=str)[:20000]
        session.add(Quarantine(channel=item.channel, provider_id=item.provider_id, reason=item.reason, payload_enc=vault.encrypt(payload), created_at=now))
        stats.quarantined += 1
        log.warning("quarantined %s update %s: %s", item.channel, item.provider_id, item.reason)


def _flooding(session: Session, report: Report, now: datetime) -> bool:
    recent = session.scalar(
        select(func.count()).select_from(Report).where(
            Report.sender_hash == report.sender_hash, Report.kind == "report", Report.received_at >= now - FLOOD_WINDOW
        )
    )
    return (recent or 0) > FLOOD_LIMIT


def _flag_coordinated(session: Session, batch: Batch, now: datetime) -> None:
    """Mark identical texts sent by several senders within a short window as possibly coordinated."""
    texts = {_norm(m.text) for m in batch.messages if len(m.text) >= 20}
    if not texts:
        return
    recent = session.scalars(select(Report).where(Report.kind == "report", Report.received_at >= now - COORDINATED_WINDOW)).all()
    groups: dict[str, list[Report]] = {}
    for report in recent:
        key = _norm(report.text)
        if key in texts:
            groups.setdefault(key, []).append(report)
    for reports in groups.values():
        if len(Counter(r.sender_hash for r in reports)) >= COORDINATED_SENDERS:
            for report in reports:
                if not report.flags.get("coordinated"):
                    report.flags = {**report.flags, "coordinated": True}


def _norm(text: str) -> str:
    return " ".join(text.casefold().split())
