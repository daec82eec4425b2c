"""Ingest throughput: reports/s from the sandbox (real clients over loopback) into SQLite and PostgreSQL.

Run: python bench/ingest_throughput.py [--reports N] [--senders N]
The sandbox runs in its own process, as a provider would, so it does not share this one's GIL.
PostgreSQL is the local server (TOCSIN_BENCH_POSTGRES_URL to change it); each run uses a fresh schema.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import socket
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker

from ingest.clients import telegram_bot, twilio_client
from ingest.sandbox.server import serve
from ingest.stage import ingest_sms, ingest_telegram
from models.clock import utcnow
from models.db import dispose_all, get_engine
from models.pii import Vault
from models.schema import Report

POSTGRES_URL = os.environ.get("TOCSIN_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
NUMBER = "+15550000000"
TOKEN = "123456:BENCH"
ACCOUNT = "AC" + "0" * 32
TEXTS = (
    "armed men seen near the market at dawn",
    "two families fled after threats last night",
    "youth groups arguing over the water point",
    "police patrol calmed the crowd at the mosque",
)


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield f"sqlite:///{Path(tmp) / 'bench.db'}"


@contextmanager
def postgres_url() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        dispose_all()
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def sandbox_process() -> Iterator[str]:
    """The sandbox in a child process on a free loopback port; yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(target=serve, kwargs={"port": port}, daemon=True)
    process.start()
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.get(f"{url}/control/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.join(5)


def inject(url: str, channel: str, reports: int, senders: int) -> None:
    """Members send ``reports`` messages, round-robin over ``senders`` distinct people."""
    with httpx.Client(base_url=url, timeout=10) as client:
        client.post("/control/reset").raise_for_status()
        for n in range(reports):
            who = n % senders
            body = f"{TEXTS[n % len(TEXTS)]} ({n})"
            if channel == "telegram":
                client.post("/control/telegram/messages", json={"user_id": 800000000 + who, "text": body}).raise_for_status()
            else:
                client.post("/control/sms/messages", json={"from": f"+2348{who:09d}", "to": NUMBER, "body": body}).raise_for_status()


def measure(url: str, run: Callable[..., dict[str, int]], *args: object, **kwargs: object) -> tuple[int, float]:
    """Reports stored by one ingest run and the seconds it took (engine set up beforehand)."""
    engine = get_engine(url)
    vault = Vault(os.urandom(32))
    with sessionmaker(engine, expire_on_commit=False)() as session:
        started = time.perf_counter()
        run(session, vault, *args, utcnow(), **kwargs)
        elapsed = time.perf_counter() - started
        stored = session.scalar(select(func.count()).select_from(Report)) or 0
    return stored, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=3000)
    parser.add_argument("--senders", type=int, default=600)
    args = parser.parse_args()
    print(f"{args.reports} reports per run from {args.senders} first-time senders; acknowledgements queued, not sent")
    with sandbox_process() as sandbox:
        for backend, database in (("sqlite", sqlite_url), ("postgresql", postgres_url)):
            for channel in ("telegram", "sms"):
                inject(sandbox, channel, args.reports, args.senders)
                with database() as url:
                    if channel == "telegram":
                        stored, elapsed = measure(url, ingest_telegram, telegram_bot(TOKEN, sandbox), max_batches=10**6)
                    else:
                        client = twilio_client(ACCOUNT, "bench", sandbox)
                        client.messages  # noqa: B018 - the client imports its API modules on first use; not ingest time
                        stored, elapsed = measure(url, ingest_sms, client, NUMBER)
                print(f"{channel:>8} -> {backend:<10} {stored:>6} reports in {elapsed:6.2f} s = {stored / elapsed:8.0f} reports/s")


if __name__ == "__main__":
    main()
