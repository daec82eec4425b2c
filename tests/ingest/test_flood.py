"""Floods are held per sender without holding anyone else; one text from many senders is flagged."""

from __future__ import annotations

from datetime import timedelta

from ingest.flood import FLOOD_LIMIT, FLOOD_WINDOW
from models.clock import utcnow
from tests.ingest.conftest import Members

FLOODER, AHMED, BARAKA, SANI = "+255711000001", "+9647700000014", "+255700000023", "+2348030000032"
CAMPAIGN = "They are coming tonight to burn the church, flee now"


def test_a_flood_from_one_number_is_held_and_others_pass(members: Members) -> None:
    for n in range(FLOOD_LIMIT + 5):
        members.sms(FLOODER, f"spam {n}")
    members.sms(AHMED, "a real report in the middle of the flood")
    stats = members.ingest_sms()
    assert (stats["stored"], stats["held"]) == (FLOOD_LIMIT + 6, 5)
    flooder = members.sender_hash("sms", FLOODER)
    held = [r for r in members.reports() if r.status == "held"]
    assert len(held) == 5 and all(r.sender_hash == flooder and r.flags.get("flood") for r in held)
    (ahmed,) = members.reports(member_id="m-ahmed")
    assert ahmed.status == "new"
    assert len(members.deliveries("ack")) == FLOOD_LIMIT + 1  # held reports wait for an operator, unacknowledged


def test_the_flood_window_slides(members: Members) -> None:
    now = utcnow()
    for n in range(FLOOD_LIMIT):
        members.sms(FLOODER, f"report {n}")
    members.ingest_sms(now=now)
    members.sms(FLOODER, "one more, much later")
    assert members.ingest_sms(now=now + FLOOD_WINDOW + timedelta(seconds=1))["held"] == 0


def test_same_text_from_several_senders_is_flagged_as_coordinated(members: Members) -> None:
    members.sms(AHMED, CAMPAIGN)
    members.sms(BARAKA, CAMPAIGN.upper())
    members.ingest_sms()
    assert not any(r.flags.get("coordinated") for r in members.reports())
    members.sms(SANI, f"  {CAMPAIGN}  ")
    members.sms(SANI, "a different text of a decent length")
    assert members.ingest_sms()["coordinated"] == 3
    flagged = {r.member_id for r in members.reports() if r.flags.get("coordinated")}
    assert flagged == {"m-ahmed", "m-baraka", "m-sani"}


def test_short_common_texts_are_not_a_campaign(members: Members) -> None:
    for number in (AHMED, BARAKA, SANI):
        members.sms(number, "all calm here")
    members.ingest_sms()
    assert not any(r.flags.get("coordinated") for r in members.reports())
