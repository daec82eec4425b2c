"""Reporter identity never leaves ingest in clear: not in logs, exceptions, task output or any stored text column."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from sqlalchemy import LargeBinary, inspect, select

from ingest.errors import IngestError
from models.schema import Base
from tests.ingest.conftest import FAST, Members
from tocsin import pipeline

PHONE, TELEGRAM_ID = "+255711000099", 733333333
SITA_PHONE, SITA_TELEGRAM = "+9779800000001", 700000001


def identities() -> list[str]:
    """Every way the test's identities could be written out."""
    return [PHONE, PHONE.lstrip("+"), str(TELEGRAM_ID), SITA_PHONE, SITA_PHONE.lstrip("+"), str(SITA_TELEGRAM)]


def leaks(text: str) -> list[str]:
    return [identity for identity in identities() if identity in text]


def test_identities_stay_out_of_logs_errors_output_and_plaintext_columns(members: Members, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    members.sms(PHONE, "JOIN Kigoma")
    members.sms(SITA_PHONE, "tension at the bus park")
    members.telegram(SITA_TELEGRAM, "armed men near the temple")
    members.telegram(TELEGRAM_ID, location={"latitude": -4.88, "longitude": 29.63}, language_code="fr")
    group_message = {"message_id": 9, "chat": {"id": TELEGRAM_ID, "type": "group"}, "from": {"id": TELEGRAM_ID}, "text": f"my number is {PHONE}"}
    members.raw({"update_id": 2_000_000_000, "message": group_message})

    outputs: list[Any] = []
    errors: list[BaseException] = []
    outputs.append(pipeline.ingest_telegram(members.rt))
    outputs.append(pipeline.ingest_sms(members.rt))
    outputs.append(pipeline.deliver(members.rt))
    members.fault(channel="telegram", status=500, methods=["getUpdates"])
    members.fault(channel="sms", status=503, methods=["list"])
    for run in (members.ingest_telegram, lambda: members.ingest_sms(policy=FAST)):
        try:
            run()
        except IngestError as exc:
            errors.append(exc)
    assert len(errors) == 2

    assert leaks(caplog.text) == []
    assert leaks(json.dumps(outputs, default=str)) == []
    assert all(leaks(f"{e!s} {e!r}") == [] for e in errors)
    assert leaks(_every_stored_value(members)) == []
    assert members.reports(), "the scenario stored nothing: the scan proved nothing"


def _every_stored_value(members: Members) -> str:
    """All values of all tables, encrypted columns included as raw bytes."""
    chunks: list[str] = []
    with members.rt.session() as session:
        for table in Base.metadata.sorted_tables:
            if not inspect(members.rt.engine).has_table(table.name):
                continue
            for row in session.execute(select(table)):
                for column, value in zip(table.columns, row, strict=True):
                    chunks.append(value.decode("latin-1") if isinstance(column.type, LargeBinary) and value else str(value))
    return "\n".join(chunks)
