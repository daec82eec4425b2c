"""``tocsin demo``: the whole system on one machine, with emulated providers.

Starts the sandbox, loads the demo network, builds the model, starts
``airflow standalone`` with Tocsin's DAGs, then plays a scripted stream of
reports and prints what goes out. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import yaml

from tocsin.config import PACKAGE_DATA, PROJECT_ROOT, default_data_dir

DEMO_NETWORK = PACKAGE_DATA / "demo_network.yaml"
DEMO_STREAM = PACKAGE_DATA / "demo_stream.yaml"
DAGS = PROJECT_ROOT / "dags"


def _airflow_env(home: Path, port: int, sandbox_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every task is a new process: let it reuse compiled imports
    bin_dir = str(Path(sys.executable).parent)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "30",
            "TOCSIN_SANDBOX_URL": sandbox_url,
        }
    )
    return env


def _password(home: Path) -> str:
    """The demo login's password: generated once per demo home and kept."""
    path = home / "simple_auth_manager_passwords.json.generated"
    if path.exists():
        try:
            return str(json.loads(path.read_text())["admin"])
        except (ValueError, KeyError):
            pass
    password = secrets.token_urlsafe(9)
    path.write_text(json.dumps({"admin": password}))
    return password


def _wait_http(url: str, seconds: float, proc: subprocess.Popen[bytes] | None = None) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(1)
    return False


def _prepare() -> None:
    """Network and model in place before Airflow starts, so the first run is not the slow one."""
    from classifiers.registry import load_active
    from ingest.network import load_network, read_network
    from tocsin.runtime import Runtime

    rt = Runtime()
    with rt.session() as session:
        result = load_network(session, rt.vault, read_network(DEMO_NETWORK))
        session.commit()
        print(f"  network: {result.regions} regions, {result.members} members")
        model = load_active(session)
        session.commit()
        print(f"  model:   {model.version}")


def _latest_ref(sandbox_url: str, to: str | int) -> str | None:
    """The reference of the latest alert the sandbox delivered to ``to``."""
    outbox = httpx.get(f"{sandbox_url}/control/outbox", timeout=5).json()
    for msg in reversed(outbox):
        if str(msg["to"]) == str(to) and "ACK " in msg["text"]:
            return msg["text"].rsplit("ACK ", 1)[1].split()[0]
    return None


def _inject(sandbox_url: str, item: dict[str, Any]) -> None:
    if item.get("ack_latest"):
        ref = _latest_ref(sandbox_url, item.get("sms") or item.get("telegram"))
        if ref is None:
            return
        item = {**item, "text": f"ACK {ref}"}
    if "sms" in item:
        httpx.post(f"{sandbox_url}/control/sms/messages", json={"from": item["sms"], "to": os.environ.get("TOCSIN_TWILIO_NUMBER", "+15550000000"), "body": item["text"]}, timeout=5)
    else:
        httpx.post(f"{sandbox_url}/control/telegram/messages", json={"user_id": item["telegram"], "chat_id": item["telegram"], "text": item["text"]}, timeout=5)


def _print_outbox(sandbox_url: str, seen: int) -> int:
    try:
        outbox = httpx.get(f"{sandbox_url}/control/outbox", timeout=5).json()
    except httpx.HTTPError:
        return seen
    for msg in outbox[seen:]:
        marker = "ALERT" if "ACK " in msg["text"] else "reply"
        print(f"  ← {marker} via {msg['channel']:8} {msg['text'][:110]}")
    return len(outbox)


def run_demo(port: int = 8080, sandbox_port: int = 8765, stream: bool = True) -> None:
    """Run the demo until Ctrl-C (or SIGTERM)."""
    from ingest.sandbox import SandboxServer

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    data_dir = default_data_dir()
    airflow_home = data_dir / "airflow"
    airflow_home.mkdir(parents=True, exist_ok=True)
    if shutil.which("airflow", path=str(Path(sys.executable).parent)) is None:
        raise SystemExit("tocsin: error: the airflow command is not installed beside this Python; run scripts/bootstrap")

    server = SandboxServer(port=sandbox_port)
    server.start()
    os.environ["TOCSIN_SANDBOX_URL"] = server.url
    print(f"Sandbox (Telegram + Twilio emulators): {server.url}")
    print("Preparing the demo network and model…")
    _prepare()

    env = _airflow_env(airflow_home, port, server.url)
    password = _password(airflow_home)
    log_path = airflow_home / "standalone.log"
    print(f"Starting Airflow standalone (log: {log_path})…")
    with open(log_path, "ab") as log:
        proc = subprocess.Popen([str(Path(sys.executable).parent / "airflow"), "standalone"], env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if not _wait_http(f"http://127.0.0.1:{port}/api/v2/monitor/health", 240, proc):
            raise SystemExit(f"tocsin: error: Airflow did not start; see {log_path}")
        print()
        print(f"  Airflow UI:  http://127.0.0.1:{port}   login: admin / {password}")
        print(f"  Alerts sent: {server.url}/control/outbox   (also printed below as they go out)")
        print("  DAGs:        tocsin_stream (continuous), tocsin_escalation (every minute)")
        print("  Stop:        Ctrl-C")
        print()
        seen = 0
        script = yaml.safe_load(DEMO_STREAM.read_text(encoding="utf-8")) if stream else []
        for item in script:
            deadline = time.monotonic() + float(item.get("after", 5))
            while time.monotonic() < deadline:
                seen = _print_outbox(server.url, seen)
                time.sleep(0.5)
            via = "SMS" if "sms" in item else "Telegram"
            print(f"  → {'ack' if item.get('ack_latest') else 'report'} via {via:8} {item.get('text', 'ACK <latest alert>')[:110]}")
            _inject(server.url, item)
        while proc.poll() is None:
            seen = _print_outbox(server.url, seen)
            time.sleep(1)
        raise SystemExit(f"tocsin: error: Airflow stopped; see {log_path}")
    except KeyboardInterrupt:
        print("\nStopping…")
    finally:
        _stop(proc)
        server.stop()


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
