"""Acknowledgements: once per report, in the member's language, sent through the real delivery stage."""

from __future__ import annotations

import pytest

from ingest.replies import LANGS, REPLIES, reply
from tests.ingest.conftest import Members
from tocsin.pipeline import deliver

# One reporter per language, each on the channel they use.
REPORTERS = [
    ("en", "telegram", 700000004),
    ("fr", "telegram", 700000035),
    ("ar", "sms", "+9647700000014"),
    ("ne", "sms", "+9779800000005"),
    ("sw", "sms", "+255700000023"),
    ("ha", "sms", "+2348030000032"),
]


def test_each_report_is_acknowledged_once_in_the_members_language(members: Members) -> None:
    for _, channel, address in REPORTERS:
        if channel == "telegram":
            members.telegram(int(address), "clashes near the market")
        else:
            members.sms(str(address), "clashes near the market")
    members.ingest_telegram()
    members.ingest_sms()
    deliver(members.rt)
    members.ingest_telegram()
    members.ingest_sms()  # the overlap window re-reads the SMS: no second report, no second ack
    deliver(members.rt)
    refs = {r.member_id: r.ref for r in members.reports()}
    assert len(refs) == len(REPORTERS)
    sent = members.outbox()
    assert len(sent) == len(REPORTERS)
    by_address = {str(m["to"]): m["text"] for m in sent}
    for lang, _, address in REPORTERS:
        text = by_address[str(address)]
        assert text in {reply("ack", lang, ref=ref) for ref in refs.values()}


def test_no_ack_to_a_stopped_member(members: Members) -> None:
    members.sms("+255700000023", "STOP")
    members.sms("+255700000023", "mapigano sokoni")
    members.ingest_sms()
    deliver(members.rt)
    assert [m["text"] for m in members.outbox()] == [reply("stopped", "sw")]


@pytest.mark.parametrize("key", sorted(REPLIES))
def test_every_reply_exists_in_six_languages(key: str) -> None:
    assert set(REPLIES[key]) == set(LANGS)
