"""How long one critical incident takes to reach 500 recipients under the sandbox's provider limits.

Runs the sandbox in its own process (as the providers are), routes one
critical incident to 500 focal persons and times the delivery stage. Prints
the time, the least time the rate limits allow, and the overhead beyond it.

    python bench/fanout.py [--recipients 500] [--sms 0]
"""

from __future__ import annotations

import argparse
import base64
import multiprocessing
import socket
import sys
import tempfile
import time
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TELEGRAM_PER_S = 30
SMS_PER_S = 10
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(port: int) -> multiprocessing.Process:
    from ingest.sandbox.server import serve

    process = multiprocessing.Process(target=serve, args=("127.0.0.1", port), daemon=True)
    process.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/control/health", timeout=1):
                return process
        except OSError:
            time.sleep(0.05)
    process.terminate()
    raise SystemExit("sandbox did not start")


def build(rt: object, recipients: int, sms: int) -> None:
    """One region with ``recipients`` focal persons (the first ``sms`` by SMS only) and one critical incident."""
    from ingest.network import attach_channel
    from models.schema import Incident, Member, Region

    with rt.session() as session:  # type: ignore[attr-defined]
        session.add(Region(id="r-bench", name="Benchland"))
        session.flush()
        for i in range(recipients):
            member = Member(id=f"m-{i:04d}", name=f"Focal {i}", role="focal_person", region_id="r-bench", lang=("en", "fr", "ar", "ne", "sw", "ha")[i % 6])
            session.add(member)
            session.flush()
            if i < sms:
                attach_channel(session, rt.vault, member, "sms", f"+2557{i:08d}")  # type: ignore[attr-defined]
            else:
                attach_channel(session, rt.vault, member, "telegram", str(900000000 + i))  # type: ignore[attr-defined]
        session.add(Incident(ref="BENCH", region_id="r-bench", category="attack_on_civilians", severity=3, confidence=0.9, first_seen=NOW, last_seen=NOW))
        session.commit()


def run(recipients: int, sms: int, url: str, workdir: Path) -> None:
    from alerts.deliver import default_limiters, deliver
    from alerts.routing import route
    from tocsin.config import load_settings
    from tocsin.runtime import Runtime

    settings = replace(
        load_settings(),
        database_url=f"sqlite:///{workdir / f'bench-{recipients}-{sms}.db'}",
        data_dir=workdir,
        pii_key=base64.urlsafe_b64encode(b"b" * 32).decode(),
        sandbox_url=url,
        telegram_base_url=url,
        twilio_base_url=url,
        telegram_token=None,
        twilio_account_sid=None,
        twilio_auth_token=None,
        twilio_number=None,
        routing_file=None,
    )
    rt = Runtime(settings)
    build(rt, recipients, sms)
    urllib.request.urlopen(urllib.request.Request(f"{url}/control/reset", method="POST")).read()
    senders = rt.senders()
    started = time.monotonic()
    with rt.session() as session:
        routed = route(session, rt.rules, NOW)
        session.commit()
        routed_at = time.monotonic()
        stats = deliver(session, rt.vault, senders, NOW, limiters=default_limiters(SMS_PER_S))
    elapsed = time.monotonic() - started
    for sender in senders.values():
        sender.close()
    telegram = recipients - sms
    # A sliding one-second window lets the first `limit` sends go at once, then `limit` per second.
    floor = max(max(telegram - TELEGRAM_PER_S, 0) / TELEGRAM_PER_S, max(sms - SMS_PER_S, 0) / SMS_PER_S)
    print(
        f"{recipients} recipients ({telegram} Telegram, {sms} SMS): {routed['alerts']} alerts, {stats.sent} sent, "
        f"{stats.retried} retried, errors {dict(stats.errors) or 'none'}"
    )
    print(
        f"  delivered in {elapsed:.2f} s; the limits alone need {floor:.2f} s; overhead {elapsed - floor:.2f} s "
        f"({(elapsed - floor) / recipients * 1000:.1f} ms per recipient; routing took {routed_at - started:.2f} s of it)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=500)
    parser.add_argument("--sms", type=int, default=None, help="how many of them are reachable by SMS only (default: 0, then a 400/100 mix)")
    args = parser.parse_args()
    port = free_port()
    sandbox = start_sandbox(port)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            mixes = [args.sms] if args.sms is not None else [0, args.recipients // 5]
            for sms in mixes:
                run(args.recipients, sms, f"http://127.0.0.1:{port}", Path(tmp))
    finally:
        sandbox.terminate()
        sandbox.join(5)


if __name__ == "__main__":
    main()
