"""Wiring the stages to their I/O: database, PII vault, provider clients, rules.

Credentials come from Airflow Connections (``tocsin_telegram``,
``tocsin_twilio``) inside DAG tasks and from ``TOCSIN_*`` variables elsewhere;
the sandbox needs none. The same code talks to the real providers and to the
sandbox: only base URLs differ.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from models.db import get_engine
from models.pii import Vault, load_vault
from tocsin.config import Settings, load_settings

log = logging.getLogger(__name__)

SANDBOX_TOKEN = "123456:SANDBOX"
SANDBOX_SID = "AC" + "0" * 32
SANDBOX_NUMBER = "+15550000000"


class ChannelNotConfigured(RuntimeError):
    """A channel has neither credentials nor a sandbox to talk to."""


@dataclass(frozen=True)
class TelegramCredentials:
    token: str
    base_url: str | None

    def __repr__(self) -> str:
        return f"TelegramCredentials(base_url={self.base_url!r}, token=<hidden>)"


@dataclass(frozen=True)
class TwilioCredentials:
    account_sid: str
    auth_token: str
    number: str
    base_url: str | None

    def __repr__(self) -> str:
        return f"TwilioCredentials(number=<hidden>, base_url={self.base_url!r})"


def _airflow_connection(conn_id: str) -> Any | None:
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(conn_id)
    except Exception:  # not in Airflow, or the connection is not defined
        return None


class Runtime:
    """Everything a stage needs, built lazily from settings."""

    def __init__(self, settings: Settings | None = None, *, use_airflow_connections: bool = False) -> None:
        self.settings = settings or load_settings()
        self.use_airflow_connections = use_airflow_connections

    @cached_property
    def engine(self) -> Engine:
        return get_engine(self.settings.database_url)

    @cached_property
    def vault(self) -> Vault:
        return load_vault(self.settings.pii_key, self.settings.database_url, self.settings.data_dir)

    def session(self) -> Session:
        return sessionmaker(self.engine, expire_on_commit=False)()

    @cached_property
    def telegram_credentials(self) -> TelegramCredentials | None:
        conn = _airflow_connection("tocsin_telegram") if self.use_airflow_connections else None
        if conn is not None and conn.password:
            base = conn.host if conn.host and conn.host.startswith("http") else self.settings.telegram_base_url
            return TelegramCredentials(conn.password, base)
        if self.settings.telegram_token:
            return TelegramCredentials(self.settings.telegram_token, self.settings.telegram_base_url)
        if self.settings.sandbox_url:
            return TelegramCredentials(SANDBOX_TOKEN, self.settings.sandbox_url)
        return None

    @cached_property
    def twilio_credentials(self) -> TwilioCredentials | None:
        conn = _airflow_connection("tocsin_twilio") if self.use_airflow_connections else None
        if conn is not None and conn.login and conn.password:
            extra = conn.extra_dejson if hasattr(conn, "extra_dejson") else {}
            base = conn.host if conn.host and conn.host.startswith("http") else self.settings.twilio_base_url
            return TwilioCredentials(conn.login, conn.password, str(extra.get("from_number") or self.settings.twilio_number or ""), base)
        s = self.settings
        if s.twilio_account_sid and s.twilio_auth_token:
            return TwilioCredentials(s.twilio_account_sid, s.twilio_auth_token, s.twilio_number or "", s.twilio_base_url)
        if s.sandbox_url:
            return TwilioCredentials(SANDBOX_SID, "sandbox", s.twilio_number or SANDBOX_NUMBER, s.sandbox_url)
        return None

    def telegram_bot(self) -> Any:
        """A fresh Bot per stage run (its HTTP pool belongs to one event loop)."""
        from ingest.clients import telegram_bot

        creds = self.telegram_credentials
        if creds is None:
            raise ChannelNotConfigured("Telegram is not configured: set the tocsin_telegram connection, TOCSIN_TELEGRAM_TOKEN or TOCSIN_SANDBOX_URL")
        return telegram_bot(creds.token, creds.base_url)

    @cached_property
    def twilio_client(self) -> Any:
        from ingest.clients import twilio_client

        creds = self.twilio_credentials
        if creds is None:
            raise ChannelNotConfigured("Twilio is not configured: set the tocsin_twilio connection, TOCSIN_TWILIO_* or TOCSIN_SANDBOX_URL")
        return twilio_client(creds.account_sid, creds.auth_token, creds.base_url)

    def senders(self) -> dict[str, Any]:
        """The configured outbound channels (a channel without credentials is left out)."""
        from alerts.senders import SmsSender, TelegramSender

        out: dict[str, Any] = {}
        if self.telegram_credentials is not None:
            out["telegram"] = TelegramSender(self.telegram_bot())
        if self.twilio_credentials is not None:
            out["sms"] = SmsSender(self.twilio_client, self.twilio_credentials.number)
        return out

    @cached_property
    def rules(self) -> Any:
        from alerts.routing import load_rules, rules_path

        return load_rules(rules_path(self.settings.routing_file, self.settings.network_file))
