"""Migration 0002 builds exactly the ingest tables the model declares, and can be undone."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Table, inspect

from models.db import MIGRATIONS, get_engine
from models.schema import Base

INGEST_TABLES = {"reports", "report_revisions", "members", "member_channels", "quarantine", "channel_cursors"}


def _differences(conn: object) -> list[object]:
    diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)  # type: ignore[arg-type]
    return [d for d in diffs if _table_of(d) in INGEST_TABLES]


def _table_of(diff: object) -> str | None:
    """The table an autogenerate difference is about (a list groups column changes of one table)."""
    operation = diff[0] if isinstance(diff, list) else diff
    for part in operation[1:]:  # type: ignore[index]
        if isinstance(part, str) and part in INGEST_TABLES:
            return part
        if isinstance(part, Table):
            return part.name
        table = getattr(part, "table", None)
        if isinstance(table, Table):
            return table.name
    return None


def test_head_matches_the_model_and_0002_round_trips(db_url: str) -> None:
    engine = get_engine(db_url)
    with engine.connect() as conn:
        assert _differences(conn) == []
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert "text_hash" not in {c["name"] for c in inspect(engine).get_columns("reports")}
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert _differences(conn) == []
