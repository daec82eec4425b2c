"""Carrying out member commands and answering them on the channel they came from."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.outbox import queue_message
from ingest.commands import Command
from ingest.members import Sender
from ingest.replies import LANGS, language_buttons, reply
from models.schema import Region

RegionFinder = Callable[[str], "str | None"]


def handle_command(session: Session, sender: Sender, command: Command, key: str, now: datetime, find_region: RegionFinder) -> None:
    """Apply ``command`` for the sender's member and queue one reply under dedupe ``key``."""
    member, channel = sender.member, sender.channel

    def answer(text: str, *, even_if_stopped: bool = False, markup: dict[str, object] | None = None) -> None:
        queue_message(session, member, "reply", text, key, channel=channel, now=now, even_if_stopped=even_if_stopped, reply_markup=markup)

    if command.name == "stop":
        member.opted_out = True
        member.awaiting = None
        answer(reply("stopped", member.lang), even_if_stopped=True)  # the one confirmation carriers expect
    elif command.name == "start":
        was_stopped = member.opted_out
        member.opted_out = False
        if was_stopped:
            answer(reply("started", member.lang))
        elif member.region_id is None:
            member.awaiting = "area"
            answer(reply("welcome", member.lang))
        else:
            answer(reply("help", member.lang))
    elif command.name == "help":
        answer(reply("help", member.lang), even_if_stopped=True)  # HELP is answered even after STOP, as carriers require
    elif command.name == "lang":
        if command.argument in LANGS:
            member.lang = command.argument
            answer(reply("lang_set", member.lang))
        else:
            answer(reply("lang_choose", member.lang), markup=language_buttons() if channel.channel == "telegram" else None)
    elif command.name == "join":
        _join(session, sender, command.argument, find_region, answer)
    elif command.name == "ack":
        from alerts.acknowledge import acknowledge

        if not acknowledge(session, member, command.argument, now, via=channel):
            answer(reply("ack_unknown", member.lang, code=command.argument))


def _join(session: Session, sender: Sender, area: str, find_region: RegionFinder, answer: Callable[[str], None]) -> None:
    """Self-registration: an unknown sender becomes a self-registered reporter for the area they name."""
    member = sender.member
    region_id = find_region(area) if area else None
    region = session.get(Region, region_id) if region_id else None
    if region is None:
        member.awaiting = "area"
        answer(reply("join_unknown_area", member.lang, area=area[:40] or "?"))
        return
    member.awaiting = None
    member.opted_out = False
    if member.trust != "registered":
        member.trust = "self_registered"
    if member.trust != "registered" or member.region_id is None:
        # The network file is authoritative for the areas it gives.
        member.region_id = region.id
    home = session.get(Region, member.region_id) or region
    answer(reply("joined", member.lang, area=home.name))
