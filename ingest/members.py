"""Who sent a batch: members found by keyed hash in bulk, unknown senders kept as 'unknown' members."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from ingest.message import InboundMessage
from ingest.replies import LANGS
from ingest.sql import among
from models.pii import Vault, normalise_address
from models.schema import Member, MemberChannel


@dataclass(frozen=True)
class Sender:
    """The member behind one address and the channel row it came in on."""

    member: Member
    channel: MemberChannel


def resolve_senders(session: Session, vault: Vault, channel: str, messages: Iterable[InboundMessage], now: datetime) -> dict[str, Sender]:
    """Map each sender address in ``messages`` to its member; one query for the known, one flush for first-timers."""
    first: dict[str, InboundMessage] = {}
    for msg in messages:
        first.setdefault(msg.sender, msg)
    if not first:
        return {}
    digests = {address: vault.hash(channel, address) for address in first}
    # One query for the known senders; a member's other channels load only if a reply needs them.
    known = session.execute(
        select(MemberChannel, Member)
        .join(Member, MemberChannel.member_id == Member.id)
        .where(MemberChannel.channel == channel, among(session, MemberChannel.address_hash, set(digests.values())))
        .options(lazyload(Member.channels))
    )
    by_digest = {row.address_hash: Sender(member, row) for row, member in known}
    new = {address: digest for address, digest in digests.items() if digest not in by_digest}
    if new:
        ids = {_unknown_id(digest) for digest in new.values()}
        members = {m.id: m for m in session.scalars(select(Member).where(among(session, Member.id, ids)))}
        for address, digest in new.items():
            if digest in by_digest:
                continue  # two spellings of one number in the same batch
            member = members.get(_unknown_id(digest)) or _new_unknown(session, digest, first[address].sender_lang, now)
            members[member.id] = member
            encrypted = vault.encrypt(normalise_address(channel, address))
            row = MemberChannel(member=member, channel=channel, address_hash=digest, address_enc=encrypted, updated_at=now)
            session.add(row)
            by_digest[digest] = Sender(member, row)
        session.flush()
    return {address: by_digest[digest] for address, digest in digests.items()}


def _unknown_id(digest: str) -> str:
    """A member id for an unknown sender: derived from the keyed hash, so it reveals nothing."""
    return f"u-{digest[:12]}"


def _new_unknown(session: Session, digest: str, sender_lang: str | None, now: datetime) -> Member:
    lang = (sender_lang or "")[:2].lower()
    member = Member(id=_unknown_id(digest), role="reporter", trust="unknown", lang=lang if lang in LANGS else "en", created_at=now, updated_at=now)
    session.add(member)
    return member
