"""Shared test fixtures: a real database per test (SQLite and PostgreSQL), the sandbox, a runtime.

PostgreSQL tests run against the server at ``TOCSIN_TEST_POSTGRES_URL``
(default: the local server, database ``test``), each test in its own schema.
When the server is unreachable they are skipped, unless
``TOCSIN_REQUIRE_POSTGRES=1`` (set in CI), where they fail.
"""

from __future__ import annotations

import base64
import os
import socket
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

TEST_PII_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
POSTGRES_URL = os.environ.get("TOCSIN_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
LOOPBACK = ("127.", "::1", "localhost")

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> object:
    """Fail any connection that would leave this machine: tests talk to loopback only."""
    if isinstance(address, tuple) and address and isinstance(address[0], str) and not address[0].startswith(LOOPBACK):
        raise RuntimeError(f"test tried to reach {address[0]}: only loopback is allowed")
    return _real_connect(self, address)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="session")
def _loopback_only() -> Iterator[None]:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


def _postgres_or_skip() -> None:
    try:
        with create_engine(POSTGRES_URL).connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        message = f"PostgreSQL unreachable at {POSTGRES_URL}: {type(exc).__name__}"
        if os.environ.get("TOCSIN_REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new, empty database URL of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tocsin.db'}"
        return
    _postgres_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options=-csearch_path%3D{schema}"
    from models.db import dispose_all

    dispose_all()
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tocsin.db'}"


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[object]:
    from ingest.sandbox import SandboxServer

    with SandboxServer() as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: object) -> Iterator[object]:
    """The running sandbox, emptied before each test."""
    import httpx

    httpx.post(f"{sandbox_server.url}/control/reset").raise_for_status()  # type: ignore[attr-defined]
    yield sandbox_server


@pytest.fixture
def settings(db_url: str, tmp_path: Path, sandbox: object) -> object:
    """Settings for a runtime on a fresh database, pointed at the sandbox."""
    from tocsin.config import load_settings

    return replace(load_settings(), database_url=db_url, data_dir=tmp_path, pii_key=TEST_PII_KEY, sandbox_url=sandbox.url, telegram_base_url=sandbox.url, twilio_base_url=sandbox.url, telegram_token=None, twilio_account_sid=None, twilio_auth_token=None, twilio_number=None, routing_file=None)  # type: ignore[attr-defined]


@pytest.fixture
def rt(settings: object) -> object:
    from tocsin.runtime import Runtime

    return Runtime(settings)  # type: ignore[arg-type]


DEMO_NETWORK = Path(__file__).resolve().parent.parent / "tocsin" / "data" / "demo_network.yaml"


@pytest.fixture
def network_rt(rt: object) -> object:
    """A runtime whose database holds the demo network."""
    from ingest.network import load_network, read_network

    with rt.session() as session:  # type: ignore[attr-defined]
        load_network(session, rt.vault, read_network(DEMO_NETWORK))  # type: ignore[attr-defined]
        session.commit()
    return rt
