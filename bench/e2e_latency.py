"""Report-to-alert latency of a running ``tocsin demo`` (or any deployment on the sandbox).

Loads a small bench network (one fresh region and focal person per sample, so
every report opens a new incident), injects critical reports through the
sandbox one after another, and times each until the focal person's alert is in
the sandbox outbox. Prints p50 / p95 / max.

    scripts/tocsin demo            # in one terminal
    .venv/bin/python bench/e2e_latency.py --samples 20
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import yaml


def bench_network(run: str, samples: int) -> dict:
    regions = [{"id": f"bench-{run}-{i}", "name": f"Benchville{run}{i}", "aliases": [f"benchville{run}{i}"]} for i in range(samples)]
    members = [
        {
            "id": f"bench-fp-{run}-{i}",
            "name": f"Bench focal {i}",
            "role": "focal_person",
            "region": r["id"],
            "lang": "en",
            "telegram": 790000000 + int(run, 16) % 100000 * 100 + i,
        }
        for i, r in enumerate(regions)
    ]
    # One reporter per sample: a single number sending dozens of reports would be held as a flood.
    members += [
        {"id": f"bench-rep-{run}-{i}", "name": f"Bench reporter {i}", "role": "reporter", "region": r["id"], "lang": "en", "sms": f"+1555{int(run, 16) % 10**5:05d}{i:03d}"}
        for i, r in enumerate(regions)
    ]
    return {"regions": regions, "members": members}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sandbox", default=os.environ.get("TOCSIN_SANDBOX_URL", "http://127.0.0.1:8765"))
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--gap", type=float, default=3.0, help="seconds between reports")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up on one sample after this long")
    args = parser.parse_args()

    run = uuid.uuid4().hex[:5]
    network = bench_network(run, args.samples)
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
        yaml.safe_dump(network, fh)
    tocsin = Path(sys.executable).parent / "tocsin"
    subprocess.run([str(tocsin), "network", "load", fh.name], check=True)
    focal = [m for m in network["members"] if m["role"] == "focal_person"]
    reporters = [m["sms"] for m in network["members"] if m["role"] == "reporter"]

    latencies: list[float] = []
    for i, (member, reporter) in enumerate(zip(focal, reporters)):
        seen = len(httpx.get(f"{args.sandbox}/control/outbox").json())
        start = time.monotonic()
        text = f"armed men attacked the market in benchville{run}{i} this morning, 3 people shot dead"
        httpx.post(f"{args.sandbox}/control/sms/messages", json={"from": reporter, "to": "+15550000000", "body": text}).raise_for_status()
        while time.monotonic() - start < args.timeout:
            outbox = httpx.get(f"{args.sandbox}/control/outbox").json()
            if any(m["to"] == member["telegram"] and m["text"].startswith("TOCSIN") for m in outbox[seen:]):
                latencies.append(time.monotonic() - start)
                print(f"sample {i + 1:3}: {latencies[-1]:6.2f} s", flush=True)
                break
            time.sleep(0.2)
        else:
            print(f"sample {i + 1:3}: no alert within {args.timeout:.0f} s", flush=True)
        time.sleep(args.gap)
    if not latencies:
        raise SystemExit("no alert arrived: is the demo running and the tocsin_stream DAG unpaused?")
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    print(
        f"\nreport → alert latency over {len(latencies)}/{args.samples} samples: p50 {statistics.median(ordered):.2f} s, p95 {p95:.2f} s, max {ordered[-1]:.2f} s"
    )


if __name__ == "__main__":
    main()
