"""Storing a fetched batch: reports, commands, quarantine, replies and the cursor, in one commit.

The cursor row is written in the same transaction as the reports it covers, so
a crash anywhere before the commit leaves both untouched and the next run reads
the same messages again; unique provider ids on reports, revisions and
quarantine make that re-read harmless.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ingest.acks import queue_acks
from ingest.actions import RegionFinder, handle_command
from ingest.commands import Command, parse_command
from ingest.flood import FloodGate, flag_coordinated, text_key
from ingest.members import Sender, resolve_senders
from ingest.message import Batch, InboundMessage, Quarantined
from ingest.sql import among
from models.pii import Vault
from models.refs import new_ref
from models.schema import ChannelCursor, Quarantine, Report, ReportRevision

log = logging.getLogger(__name__)

AREA_ANSWER_WORDS = 4  # after /start, a reply this short that names a region is the member's area


@dataclass
class StoreStats:
    """What one batch (or one run) did; the figures a task shows, with no identities in them."""

    stored: int = 0
    duplicates: int = 0
    commands: int = 0
    edits: int = 0
    quarantined: int = 0
    held: int = 0
    coordinated: int = 0
    callbacks: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, int]:
        """The counts, without the callback ids."""
        return {k: v for k, v in vars(self).items() if isinstance(v, int)}

    def add(self, other: StoreStats) -> None:
        """Fold another batch's figures into these."""
        for key, value in other.as_dict().items():
            setattr(self, key, getattr(self, key) + value)
        self.callbacks.extend(other.callbacks)


def get_cursor(session: Session, channel: str) -> str | None:
    """How far the channel has been read and stored."""
    row = session.get(ChannelCursor, channel)
    return row.value if row else None


def set_cursor(session: Session, channel: str, value: str | None, now: datetime) -> None:
    """Move the channel's cursor; only ever inside the transaction that stores what it covers."""
    if value is None:
        return
    row = session.get(ChannelCursor, channel)
    if row is None:
        session.add(ChannelCursor(channel=channel, value=value, updated_at=now))
    elif row.value != value:
        row.value = value
        row.updated_at = now


def store_batch(session: Session, vault: Vault, batch: Batch, now: datetime, find_region: RegionFinder) -> StoreStats:
    """Persist ``batch`` and advance its cursor; the caller commits."""
    stats = StoreStats()
    _store_quarantine(session, vault, batch.quarantined, now, stats)
    fresh = _unseen(session, batch.channel, batch.messages, stats)
    senders = resolve_senders(session, vault, batch.channel, fresh, now)
    gate = FloodGate(session, {s.channel.address_hash for s in senders.values()}, now)
    targets = _edit_targets(session, batch.channel, fresh)
    pending = _PendingReports(session)
    to_ack: list[tuple[dict[str, Any], Sender]] = []
    for msg in fresh:
        sender = senders[msg.sender]
        if msg.callback_id:
            stats.callbacks.append(msg.callback_id)
        if msg.edit_of and msg.edit_of in pending.rows:
            pending.write()  # the original came in this same batch
            targets.update(_edit_targets(session, batch.channel, [msg]))
        if msg.edit_of and msg.edit_of in targets:
            _apply_edit(session, targets[msg.edit_of], msg, now)
            stats.edits += 1
            continue
        command = parse_command(msg.text, msg.callback_data)
        if msg.callback_data is not None and command is None:
            _store_quarantine(session, vault, [Quarantined(msg.channel, msg.provider_id, "button data not understood", {"data": msg.text})], now, stats)
            continue
        if command is None and sender.member.awaiting == "area":
            sender.member.awaiting = None  # one chance: after that, texts are reports
            command = _area_answer(msg.text, find_region)
        row = _report_row(msg, sender, command, now)
        if command is not None:
            report = Report(**row)
            session.add(report)
            session.flush()
            targets[msg.provider_id] = report
            handle_command(session, sender, command, f"cmd:{report.id}", now, find_region)
            stats.commands += 1
            continue
        stats.stored += 1
        if not gate.admit(row["sender_hash"]):
            row["status"] = "held"
            row["flags"] = {**row["flags"], "flood": True}
            stats.held += 1
        else:
            to_ack.append((row, sender))
        pending.add(row)
    pending.write()
    # After every command in the batch: a STOP sent after a report still silences its ack.
    queue_acks(session, [(row["channel"], row["provider_id"], row["ref"], sender) for row, sender in to_ack], now)
    stats.coordinated = flag_coordinated(session, {h for h in pending.text_hashes if h}, now)
    set_cursor(session, batch.channel, batch.cursor, now)
    return stats


class _PendingReports:
    """Plain reports gathered for one bulk INSERT: an executemany instead of a round trip per report."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rows: dict[str, dict[str, Any]] = {}
        self.text_hashes: set[str | None] = set()

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["provider_id"]] = row
        self.text_hashes.add(row["text_hash"])

    def write(self) -> None:
        if self.rows:
            rows = list(self.rows.values())
            _fresh_refs(self.session, rows)
            self.session.execute(insert(Report), rows)
            self.rows.clear()


def _fresh_refs(session: Session, rows: list[dict[str, Any]]) -> None:
    """Re-draw refs already taken: with millions of reports stored, a batch of random codes would often hit one."""
    taken = set(session.scalars(select(Report.ref).where(among(session, Report.ref, {row["ref"] for row in rows}))))
    for row in rows:
        while row["ref"] in taken:
            row["ref"] = new_ref()
        taken.add(row["ref"])


def _report_row(msg: InboundMessage, sender: Sender, command: Command | None, now: datetime) -> dict[str, Any]:
    flags: dict[str, bool] = {}
    if msg.truncated:
        flags["truncated"] = True
    if msg.edit_of:
        flags["edit_of_unknown_message"] = True
    return {
        "ref": new_ref(),
        "channel": msg.channel,
        "provider_id": msg.provider_id,
        "member_id": sender.member.id,
        "sender_hash": sender.channel.address_hash,
        "trust": sender.member.trust,
        "text": msg.text,
        "text_hash": None if command else text_key(msg.text),
        "media": msg.media,
        "latitude": msg.latitude,
        "longitude": msg.longitude,
        "sent_at": msg.sent_at,
        "received_at": now,
        "kind": "command" if command else "report",
        "status": "command" if command else "new",
        "flags": flags,
        "revision": 0,
    }


def _area_answer(text: str, find_region: RegionFinder) -> Command | None:
    """The reply to "which area are you in?", when it is short and names a known region."""
    stripped = text.strip()
    if not stripped or len(stripped.split()) > AREA_ANSWER_WORDS:
        return None
    return Command("join", stripped) if find_region(stripped) else None


def _unseen(session: Session, channel: str, messages: list[InboundMessage], stats: StoreStats) -> list[InboundMessage]:
    """The messages not stored before (as a report, a revision or a quarantined button press), first copy only."""
    ids = {m.provider_id for m in messages}
    edits = {m.provider_id for m in messages if m.edit_of}
    presses = {m.provider_id for m in messages if m.callback_id}
    seen: set[str] = set()
    if ids:
        seen.update(session.scalars(select(Report.provider_id).where(Report.channel == channel, among(session, Report.provider_id, ids))))
    if edits:
        seen.update(p for p in session.scalars(select(ReportRevision.provider_id).where(among(session, ReportRevision.provider_id, edits))) if p)
    if presses:  # a press whose button data made no sense was quarantined, not stored
        seen.update(session.scalars(select(Quarantine.provider_id).where(Quarantine.channel == channel, among(session, Quarantine.provider_id, presses))))
    fresh: list[InboundMessage] = []
    for msg in messages:
        if msg.provider_id in seen:
            stats.duplicates += 1
            continue
        seen.add(msg.provider_id)
        fresh.append(msg)
    return fresh


def _edit_targets(session: Session, channel: str, messages: list[InboundMessage]) -> dict[str, Report]:
    """The stored reports that edits in this batch revise, by provider id."""
    wanted = {m.edit_of for m in messages if m.edit_of}
    if not wanted:
        return {}
    return {r.provider_id: r for r in session.scalars(select(Report).where(Report.channel == channel, among(session, Report.provider_id, wanted)))}


def _apply_edit(session: Session, report: Report, msg: InboundMessage, now: datetime) -> None:
    """Keep the earlier text and place as a revision and put the edit on the report."""
    session.add(
        ReportRevision(
            report_id=report.id,
            revision=report.revision,
            text=report.text,
            latitude=report.latitude,
            longitude=report.longitude,
            provider_id=msg.provider_id,
            replaced_at=now,
        )
    )
    report.revision += 1
    if msg.latitude is not None:
        report.latitude, report.longitude = msg.latitude, msg.longitude
    if msg.latitude is None or msg.text:
        # A live-location update moves the point and leaves the words alone.
        changed = report.text != msg.text
        report.text = msg.text
        if report.kind == "report":
            report.text_hash = text_key(msg.text)
        if changed and report.status == "classified":
            report.status = "new"  # classified again with the edited text


def _store_quarantine(session: Session, vault: Vault, items: list[Quarantined], now: datetime, stats: StoreStats) -> None:
    """Keep each payload that could not become a message, encrypted, with its reason; once per provider id."""
    if not items:
        return
    ids = {q.provider_id for q in items}
    seen = set(session.scalars(select(Quarantine.provider_id).where(Quarantine.channel == items[0].channel, among(session, Quarantine.provider_id, ids))))
    for item in items:
        if item.provider_id in seen:
            stats.duplicates += 1
            continue
        seen.add(item.provider_id)
        session.add(
            Quarantine(
                channel=item.channel, provider_id=item.provider_id, reason=item.reason[:300], payload_enc=vault.encrypt(_dump(item.payload)), created_at=now
            )
        )
        stats.quarantined += 1
        log.warning("quarantined %s payload %s: %s", item.channel, item.provider_id, item.reason)


def _dump(payload: object) -> str:
    """The payload as JSON when it is representable, else as its repr: it must be kept either way."""
    try:
        return json.dumps(payload, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return repr(payload)
