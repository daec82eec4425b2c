"""Floods and coordinated campaigns: hold one sender's flood, flag one text from many senders.

A held report is stored like any other (nothing is dropped) but waits for an
operator instead of being classified and acknowledged, so a flood from one
number neither drowns the incident picture nor delays anyone else's reports.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from ingest.sql import among
from models.schema import Report

FLOOD_WINDOW = timedelta(minutes=10)
FLOOD_LIMIT = 15  # reports per sender per window before the rest are held for review
COORDINATED_WINDOW = timedelta(minutes=30)
COORDINATED_SENDERS = 3
COORDINATED_MIN_CHARS = 20  # short texts ("yes", "help") repeat innocently


class FloodGate:
    """Per-sender report counts over the window, loaded once per batch and kept up to date in memory."""

    def __init__(self, session: Session, sender_hashes: Iterable[str], now: datetime) -> None:
        hashes = set(sender_hashes)
        rows = (
            session.execute(
                select(Report.sender_hash, func.count())
                .where(among(session, Report.sender_hash, hashes), Report.kind == "report", Report.received_at >= now - FLOOD_WINDOW)
                .group_by(Report.sender_hash)
            )
            if hashes
            else []
        )
        self._counts: Counter[str] = Counter({sender: count for sender, count in rows})

    def admit(self, sender_hash: str) -> bool:
        """Count one more report from the sender; False once they are over the limit."""
        self._counts[sender_hash] += 1
        return self._counts[sender_hash] <= FLOOD_LIMIT


def text_key(text: str) -> str | None:
    """A fingerprint of a text that ignores case and spacing; None for texts too short to mean a campaign."""
    norm = " ".join(text.casefold().split())
    if len(norm) < COORDINATED_MIN_CHARS:
        return None
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def flag_coordinated(session: Session, keys: set[str], now: datetime) -> int:
    """Flag reports sharing a text with several distinct senders in the window; returns how many were newly flagged."""
    if not keys:
        return 0
    window = (among(session, Report.text_hash, keys), Report.kind == "report", Report.received_at >= now - COORDINATED_WINDOW)
    campaigns = set(
        session.scalars(
            select(Report.text_hash).where(*window).group_by(Report.text_hash).having(func.count(distinct(Report.sender_hash)) >= COORDINATED_SENDERS)
        )
    )
    if not campaigns:
        return 0
    flagged = 0
    for report in session.scalars(select(Report).where(*window, among(session, Report.text_hash, campaigns))):
        if not report.flags.get("coordinated"):
            report.flags = {**report.flags, "coordinated": True}
            flagged += 1
    return flagged
