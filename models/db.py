"""Engines and sessions for Tocsin's own database, migrated on first use."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError

MIGRATIONS = Path(__file__).parent / "migrations"

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached or migrated; the message says which and why."""


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets Airflow tasks read while another writes; busy_timeout waits for a
    # lock instead of failing at once when two tasks commit together.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` with the per-backend settings Tocsin relies on."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30}, hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5, hide_parameters=True)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent, safe to race)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # Two processes migrating a brand-new database at once must not collide.
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7260301)")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url``, migrated the first time it is used."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = make_engine(url)
            try:
                migrate(engine)
            except OperationalError as exc:
                reason = " ".join(str(exc.orig).split())
                raise DatabaseUnavailable(f"cannot open the database {_safe(url)}: {reason} (check TOCSIN_DATABASE_URL)") from None
            _engines[url] = engine
        return engine


def dispose_all() -> None:
    """Forget every engine (tests, and forked processes that must not share pools)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def _safe(url: str) -> str:
    """The URL without its password, for error messages."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
