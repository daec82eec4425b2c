"""Acknowledgements: once per report, in the member's language, sent through the real delivery stage."""

from __future__ import annotations

import pytest

import ingest.store
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


def test_a_reference_code_already_taken_is_drawn_again(members: Members, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    members.sms("+255700000023", "first report")
    members.ingest_sms()
    (first,) = members.reports()
    codes = iter([first.ref, first.ref, "Q7Q7Q7"])
    monkeypatch.setattr(ingest.store, "new_ref", lambda: next(codes))
    members.sms("+255700000023", "second report")
    assert members.ingest_sms()["stored"] == 1
    assert [r.ref for r in members.reports()] == [first.ref, "Q7Q7Q7"]
    assert "trying once more" not in caplog.text
