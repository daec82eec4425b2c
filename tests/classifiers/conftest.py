"""Shared fixtures: the shipped model, a small fast-trained bundle, fresh databases."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from classifiers.baseline import load_shipped
from classifiers.corpus import load_corpus, split
from classifiers.fit import train_bundle
from classifiers.model import ReportClassifier
from classifiers.registry import deserialise
from models.db import get_engine


@pytest.fixture(scope="session")
def shipped_model() -> ReportClassifier:
    """The baseline shipped in the package, as every new installation activates it."""
    shipped = load_shipped()
    assert shipped is not None, "the shipped baseline is missing or stale: run python -m classifiers.build"
    return ReportClassifier(deserialise(shipped.artifact, shipped.sha256), version="shipped")


@pytest.fixture(scope="session")
def small_rows() -> list[dict[str, Any]]:
    """Every 6th training row: enough for a working model that trains in about a second."""
    train, _test = split(load_corpus())
    return train[::6]


@pytest.fixture(scope="session")
def small_bundle(small_rows: list[dict[str, Any]]) -> dict[str, Any]:
    return train_bundle(small_rows, tune=False)


@pytest.fixture()
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/t.db"


@pytest.fixture()
def engine(db_url: str) -> Engine:
    return get_engine(db_url)


@pytest.fixture()
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s
