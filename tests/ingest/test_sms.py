"""SMS ingest through the real twilio client and the sandbox Messages API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ingest import sms
from ingest.retry import DEFAULT_POLICY
from ingest.store import get_cursor
from tests.ingest.conftest import Members
from tocsin.runtime import SANDBOX_NUMBER

BIKASH, AHMED, BARAKA = "+9779800000005", "+9647700000014", "+255700000023"


def test_watermark_overlap_reads_a_late_message_across_midnight_once(members: Members) -> None:
    day = datetime(2026, 11, 20, tzinfo=UTC)
    members.sms(BIKASH, "first", day + timedelta(hours=23, minutes=50))
    members.sms(AHMED, "second", day + timedelta(days=1, minutes=10))
    assert members.ingest_sms()["stored"] == 2
    with members.rt.session() as session:
        assert get_cursor(session, "sms") == (day + timedelta(days=1, minutes=10)).isoformat()
    # Sent before the watermark, on the day before it, but delivered to Twilio late: inside the overlap.
    members.sms(BARAKA, "late", day + timedelta(hours=23, minutes=55))
    stats = members.ingest_sms()
    assert (stats["stored"], stats["duplicates"]) == (1, 2)
    assert [r.text for r in members.reports()] == ["first", "second", "late"]
    assert members.ingest_sms()["stored"] == 0 and members.count_reports() == 3


def test_paging_reads_every_page_oldest_first(phones: Members) -> None:
    members = phones
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=30)
    for n in range(12):
        members.sms(BARAKA, f"report {n}", start + timedelta(seconds=n))
    batch = sms.fetch(members.twilio(), SANDBOX_NUMBER, None, DEFAULT_POLICY, page_size=5)
    assert [m.text for m in batch.messages] == [f"report {n}" for n in range(12)]
    assert batch.cursor == (start + timedelta(seconds=11)).isoformat()


def test_only_inbound_messages_are_read(phones: Members) -> None:
    members = phones
    client = members.twilio()
    client.messages.create(to=BIKASH, from_=SANDBOX_NUMBER, body="an alert we sent")
    members.sms(BIKASH, "a report")
    batch = sms.fetch(client, None, None, DEFAULT_POLICY)
    assert [m.text for m in batch.messages] == ["a report"] and batch.quarantined == []


def test_unicode_and_long_multi_segment_messages_are_kept_whole(members: Members) -> None:
    nepali = "कपिलवस्तुमा दुई समुदायबीच तनाव बढेको छ। " * 15
    arabic = "تجمع مسلحين قرب سوق كركوك الليلة 🚨"
    gsm = "Armed men on motorbikes entered the village. " * 35
    for body in (nepali, arabic, gsm):
        members.sms(AHMED, body)
    assert members.ingest_sms()["stored"] == 3
    assert sorted(r.text for r in members.reports()) == sorted([nepali, arabic, gsm])


def test_parse_message_outcomes() -> None:
    base = {"sid": "SM1", "direction": "inbound", "from": "+15550001", "body": "x", "date_sent": "Fri, 20 Nov 2026 10:00:00 +0000"}
    assert sms.parse_message(base).sent_at == datetime(2026, 11, 20, 10, tzinfo=UTC)  # type: ignore[union-attr]
    assert sms.parse_message({**base, "direction": "outbound-api"}) is None
    assert "sid" in sms.parse_message({**base, "sid": None}).reason  # type: ignore[union-attr]
    assert "sender" in sms.parse_message({**base, "from": "anonymous"}).reason  # type: ignore[union-attr]
    assert "empty" in sms.parse_message({**base, "body": "  "}).reason  # type: ignore[union-attr]
    assert sms.parse_message({**base, "body": "", "num_media": "1"}).media == "mms"  # type: ignore[union-attr]
    assert sms.parse_message({**base, "date_sent": "yesterday"}).sent_at is None  # type: ignore[union-attr]
