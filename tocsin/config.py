"""Settings from ``TOCSIN_*`` environment variables, with defaults in one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def default_data_dir() -> Path:
    """Where the embedded default keeps its SQLite file, keys and Airflow home."""
    return Path(os.environ.get("TOCSIN_HOME", PROJECT_ROOT / "data"))


@dataclass(frozen=True)
class Settings:
    """Everything Tocsin reads from its environment."""

    database_url: str
    data_dir: Path
    pii_key: str | None
    sandbox_url: str | None
    network_file: Path | None
    routing_file: Path | None
    telegram_token: str | None
    twilio_account_sid: str | None
    twilio_auth_token: str | None
    twilio_number: str | None
    telegram_base_url: str | None
    twilio_base_url: str | None


def _path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


def load_settings() -> Settings:
    """Read the environment now (not at import), so tests and tasks can set it."""
    data_dir = default_data_dir()
    sandbox = os.environ.get("TOCSIN_SANDBOX_URL") or None
    return Settings(
        database_url=os.environ.get("TOCSIN_DATABASE_URL") or f"sqlite:///{data_dir / 'tocsin.db'}",
        data_dir=data_dir,
        pii_key=os.environ.get("TOCSIN_PII_KEY") or None,
        sandbox_url=sandbox.rstrip("/") if sandbox else None,
        network_file=_path("TOCSIN_NETWORK_FILE"),
        routing_file=_path("TOCSIN_ROUTING_FILE"),
        telegram_token=os.environ.get("TOCSIN_TELEGRAM_TOKEN") or None,
        twilio_account_sid=os.environ.get("TOCSIN_TWILIO_ACCOUNT_SID") or None,
        twilio_auth_token=os.environ.get("TOCSIN_TWILIO_AUTH_TOKEN") or None,
        twilio_number=os.environ.get("TOCSIN_TWILIO_NUMBER") or None,
        telegram_base_url=os.environ.get("TOCSIN_TELEGRAM_BASE_URL") or sandbox,
        twilio_base_url=os.environ.get("TOCSIN_TWILIO_BASE_URL") or sandbox,
    )
