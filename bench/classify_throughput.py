"""Classification throughput: ``tocsin classify`` end to end, in-process batch predict, model load, artifact size.

Run: ``python bench/classify_throughput.py [--n 20000]``. Single core: BLAS
threads are pinned to one before numpy loads. ``tocsin classify`` runs against
a throw-away SQLite database, so its figure includes bootstrapping the shipped
baseline and the interpreter's imports.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def texts(n: int) -> list[str]:
    """``n`` report texts drawn in turn from the shipped corpus."""
    from classifiers.corpus import load_corpus

    pool = [str(r["text"]) for r in load_corpus()]
    return [pool[i % len(pool)] for i in range(n)]


def bench_load() -> tuple[float, int]:
    """Median seconds to verify, deserialise and build the classifier from the shipped artifact; its size."""
    from classifiers.baseline import load_shipped
    from classifiers.model import ReportClassifier
    from classifiers.registry import deserialise

    shipped = load_shipped()
    if shipped is None:
        raise SystemExit("no shipped baseline: run python -m classifiers.build")
    times = []
    for _ in range(5):
        start = time.perf_counter()
        ReportClassifier(deserialise(shipped.artifact, shipped.sha256))
        times.append(time.perf_counter() - start)
    return statistics.median(times), len(shipped.artifact)


def bench_batch(sample: list[str]) -> tuple[float, float]:
    """(reports per wall second, reports per CPU second) of one in-process ``predict`` call over the sample, best of 3.

    The CPU-second figure is what one core sustains when the machine is shared.
    """
    from classifiers.baseline import load_shipped
    from classifiers.model import ReportClassifier
    from classifiers.registry import deserialise

    shipped = load_shipped()
    assert shipped is not None
    model = ReportClassifier(deserialise(shipped.artifact, shipped.sha256))
    model.predict(sample[:100])
    wall, cpu = [], []
    for _ in range(3):
        start, start_cpu = time.perf_counter(), time.process_time()
        model.predict(sample)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return len(sample) / min(wall), len(sample) / min(cpu)


def bench_cli(sample: list[str]) -> tuple[float, float]:
    """(reports/s, seconds) of ``tocsin classify`` on the sample as JSON Lines, fresh database."""
    payload = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(sample))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TOCSIN_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}", "TOCSIN_HOME": tmp}
        cmd = [sys.executable, "-c", "from tocsin.cli import main; main(['classify'])"]
        start = time.perf_counter()
        done = subprocess.run(cmd, input=payload, capture_output=True, text=True, env=env, check=True)
        elapsed = time.perf_counter() - start
    lines = done.stdout.count("\n")
    if lines != len(sample):
        raise SystemExit(f"tocsin classify returned {lines} lines for {len(sample)} reports: {done.stderr[-500:]}")
    return len(sample) / elapsed, elapsed


def main() -> None:
    """Print every figure, one per line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000, help="reports per run (default 20000)")
    args = parser.parse_args()
    sample = texts(args.n)
    load_s, size = bench_load()
    print(f"artifact size        {size / 1e6:.2f} MB")
    print(f"model load           {load_s * 1000:.0f} ms (verify checksum + trusted types, deserialise, build)")
    per_wall, per_cpu = bench_batch(sample)
    print(f"batch predict        {per_wall:,.0f} reports/s wall, {per_cpu:,.0f} reports per CPU-second ({args.n} reports, one call, one core)")
    rate, elapsed = bench_cli(sample)
    print(f"tocsin classify      {rate:,.0f} reports/s ({args.n} reports in {elapsed:.1f} s, incl. start-up and bootstrap)")
    _rate, small_elapsed = bench_cli(sample[:1])
    print(f"tocsin classify      {small_elapsed:.1f} s for a single report (start-up cost)")


if __name__ == "__main__":
    main()
