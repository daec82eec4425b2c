"""Where credentials come from, and that they never show in a repr."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tocsin.config import load_settings
from tocsin.runtime import Runtime


def _settings(**changes):
    base = replace(load_settings(), sandbox_url=None, telegram_base_url=None, twilio_base_url=None, telegram_token=None, twilio_account_sid=None, twilio_auth_token=None, twilio_number=None)
    return replace(base, **changes)


def test_airflow_connections_win_and_secrets_stay_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_TOCSIN_TELEGRAM", json.dumps({"conn_type": "generic", "password": "999:SECRET-TOKEN"}))
    monkeypatch.setenv("AIRFLOW_CONN_TOCSIN_TWILIO", json.dumps({"conn_type": "generic", "login": "AC123", "password": "AUTH-SECRET", "extra": {"from_number": "+15551234567"}}))
    rt = Runtime(_settings(telegram_token="env-token"), use_airflow_connections=True)

    assert rt.telegram_credentials.token == "999:SECRET-TOKEN"
    assert rt.twilio_credentials.account_sid == "AC123" and rt.twilio_credentials.number == "+15551234567"
    shown = repr(rt.telegram_credentials) + repr(rt.twilio_credentials)
    assert "SECRET" not in shown and "+15551234567" not in shown


def test_environment_credentials_outside_airflow_and_sandbox_as_fallback() -> None:
    rt = Runtime(_settings(telegram_token="1:abc", twilio_account_sid="AC9", twilio_auth_token="t", twilio_number="+15550001111"))
    assert rt.telegram_credentials.token == "1:abc" and rt.telegram_credentials.base_url is None
    sandboxed = Runtime(_settings(sandbox_url="http://127.0.0.1:9", telegram_base_url="http://127.0.0.1:9", twilio_base_url="http://127.0.0.1:9"))
    assert sandboxed.telegram_credentials.base_url == "http://127.0.0.1:9"
    assert sandboxed.twilio_credentials.base_url == "http://127.0.0.1:9"


def test_an_unconfigured_channel_is_skipped_not_crashed() -> None:
    from tocsin import pipeline

    rt = Runtime(_settings())
    assert rt.telegram_credentials is None and rt.twilio_credentials is None
    assert pipeline.ingest_telegram(rt) == {"skipped": "telegram not configured"}
    assert pipeline.ingest_sms(rt) == {"skipped": "sms not configured"}
    assert rt.senders() == {}
