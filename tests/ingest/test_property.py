"""Random and malformed provider payloads: ingest never crashes and gives every input an outcome.

Parsed and stored directly (many examples, one SQLite and one PostgreSQL
database for the module) and through the sandbox with the real clients (fewer
examples): each input is stored, quarantined with a reason, recognised as
already stored, or is of a kind Tocsin ignores by design.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.orm import sessionmaker

from ingest import sms, telegram
from ingest.clients import telegram_bot, twilio_client
from ingest.message import Batch, InboundMessage, Quarantined
from ingest.stage import ingest_sms, ingest_telegram
from ingest.store import store_batch
from models.clock import utcnow
from models.db import get_engine
from models.pii import Vault
from models.schema import Quarantine, Report, ReportRevision
from tests.conftest import POSTGRES_URL, _postgres_or_skip
from tests.ingest.conftest import FAST
from tocsin.runtime import SANDBOX_NUMBER, SANDBOX_SID, SANDBOX_TOKEN

VAULT = Vault(b"p" * 32)
scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | st.text(max_size=30)
junk = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=6)
ids = st.integers(min_value=1, max_value=2000) | junk
texts = st.text(max_size=200) | st.sampled_from(["/start", "/stop", "STOP", "JOIN Kigoma", "Kasulu", "/lang", "/lang sw", "ACK ABC234", "Msaada"]) | junk
user = st.fixed_dictionaries({"id": ids}, optional={"language_code": st.sampled_from(["fr", "sw", "ar-IQ"]) | junk, "is_bot": st.booleans()})
location = st.fixed_dictionaries({"latitude": st.floats() | junk, "longitude": st.floats() | junk}, optional={"live_period": st.integers(0, 86400)})
message = st.fixed_dictionaries(
    {"message_id": ids, "chat": st.fixed_dictionaries({"id": ids}, optional={"type": st.sampled_from(["private", "group", "channel"]) | junk}) | junk},
    optional={
        "from": user | junk,
        "date": st.integers(min_value=-(2**40), max_value=2**40) | junk,
        "edit_date": st.integers(min_value=0, max_value=2**40) | junk,
        "text": texts,
        "caption": texts,
        "photo": st.just([{"file_id": "x"}]),
        "voice": st.just({"file_id": "y"}),
        "location": location | junk,
    },
)
callback = st.fixed_dictionaries(
    {"id": st.text(max_size=70) | junk, "from": user | junk}, optional={"data": st.sampled_from(["ack:ABC234", "lang:ha", "lang:xx", "nonsense"]) | junk}
)
update_body = st.one_of(
    st.fixed_dictionaries({"message": message | junk}),
    st.fixed_dictionaries({"edited_message": message}),
    st.fixed_dictionaries({"callback_query": callback | junk}),
    st.fixed_dictionaries({"channel_post": junk}),
    st.dictionaries(st.text(max_size=12), junk, max_size=3),
)
raw_update = st.builds(lambda body, update_id: {**body, "update_id": update_id}, update_body, st.integers(min_value=0, max_value=10**6) | junk) | junk
sms_payload = st.fixed_dictionaries(
    {"sid": st.from_regex(r"SM[0-9a-f]{32}", fullmatch=True) | junk},
    optional={
        "direction": st.sampled_from(["inbound", "outbound-api"]) | junk,
        "from": st.sampled_from(["+255711000001", "+9647700000014", "anonymous", ""]) | junk,
        "body": st.text(max_size=1700) | junk,
        "num_media": st.sampled_from(["0", "1"]) | junk,
        "date_sent": st.sampled_from(["Fri, 20 Nov 2026 10:00:00 +0000", "not a date"]) | junk,
    },
)
EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
)
SANDBOX_EXAMPLES = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """One database per backend for the whole module: examples add to it, so ids repeat across examples on purpose."""
    if request.param == "sqlite":
        yield get_engine(f"sqlite:///{tmp_path_factory.mktemp('prop') / 'tocsin.db'}")
        return
    _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield get_engine(f"{POSTGRES_URL}?options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff")
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def _outcomes_accounted(engine: Engine, batch: Batch, ignored: int, total: int) -> None:
    """Store the batch and check every input has exactly one outcome, each one findable in the database."""
    with sessionmaker(engine, expire_on_commit=False)() as session:
        stats = store_batch(session, VAULT, batch, utcnow(), lambda text: "tz-kigoma" if "kasulu" in text.casefold() else None)
        session.commit()
        accounted = stats.stored + stats.commands + stats.edits + stats.quarantined + stats.duplicates
        assert accounted + ignored == total
        for item in batch.quarantined:
            reason = session.scalar(select(Quarantine.reason).where(Quarantine.channel == item.channel, Quarantine.provider_id == item.provider_id))
            assert reason
        for msg in batch.messages:
            kept = (
                session.scalar(select(Report.id).where(Report.channel == msg.channel, Report.provider_id == msg.provider_id))
                or session.scalar(select(ReportRevision.id).where(ReportRevision.provider_id == msg.provider_id))
                or session.scalar(select(Quarantine.id).where(Quarantine.channel == msg.channel, Quarantine.provider_id == msg.provider_id))
            )
            assert kept, "an input vanished"


@EXAMPLES
@given(updates=st.lists(raw_update, max_size=8))
def test_random_telegram_updates_are_stored_or_quarantined(engine: Engine, updates: list[Any]) -> None:
    # No cursor: these updates never came from the sandbox the last test polls.
    batch = replace(telegram.to_batch(updates, None, lambda chat: VAULT.hash("telegram", chat)[:16]), cursor=None)
    ignored = sum(1 for u in updates if telegram.parse_update(u, lambda chat: "x") is None)
    _outcomes_accounted(engine, batch, ignored, len(updates))


@EXAMPLES
@given(payloads=st.lists(sms_payload | junk, max_size=8))
def test_random_sms_payloads_are_stored_or_quarantined(engine: Engine, payloads: list[Any]) -> None:
    parsed = [sms.parse_message(p) for p in payloads]
    batch = Batch("sms", [p for p in parsed if isinstance(p, InboundMessage)], [p for p in parsed if isinstance(p, Quarantined)], None)
    outbound = sum(1 for p in parsed if p is None)
    _outcomes_accounted(engine, batch, outbound, len(payloads))


_unique = itertools.count(1)


def _is_json(value: Any) -> bool:
    """Whether a payload can travel as strict JSON (no NaN or infinities), as the control API requires.

    The sandbox numbers these updates itself, as Telegram does: a member cannot choose an update_id.
    """
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


@SANDBOX_EXAMPLES
@given(
    raws=st.lists(update_body.filter(lambda body: "update_id" not in body and _is_json(body)), min_size=1, max_size=5),
    bodies=st.lists(st.text(max_size=400), min_size=1, max_size=4),
)
def test_malformed_input_through_the_sandbox_never_blocks_the_good(sandbox: Any, engine: Engine, raws: list[dict[str, Any]], bodies: list[str]) -> None:
    n = next(_unique)
    marker = f"good report {n}"
    with httpx.Client(base_url=sandbox.url, timeout=10) as control:
        control.post("/control/reset").raise_for_status()
        for raw in raws:
            control.post("/control/telegram/messages", json={"raw": raw}).raise_for_status()
        control.post("/control/telegram/messages", json={"user_id": 750000000 + n, "text": marker}).raise_for_status()
        for body in bodies:
            control.post("/control/sms/messages", json={"from": "+255711000077", "to": SANDBOX_NUMBER, "body": body}).raise_for_status()
        control.post("/control/sms/messages", json={"from": "+255711000077", "to": SANDBOX_NUMBER, "body": marker}).raise_for_status()
    with sessionmaker(engine, expire_on_commit=False)() as session:
        ingest_telegram(session, VAULT, telegram_bot(SANDBOX_TOKEN, sandbox.url), utcnow(), policy=FAST)
        sms_stats = ingest_sms(session, VAULT, twilio_client(SANDBOX_SID, "sandbox", sandbox.url), SANDBOX_NUMBER, utcnow(), policy=FAST)
        assert sms_stats["stored"] + sms_stats["commands"] + sms_stats["quarantined"] == len(bodies) + 1
        found = session.scalars(select(Report.channel).where(Report.text == marker)).all()
    assert sorted(found) == ["sms", "telegram"]
