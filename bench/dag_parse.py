"""Parse time of each DAG file, as the DAG processor sees it (a fresh interpreter per file).

.venv/bin/python bench/dag_parse.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DAGS = Path(__file__).resolve().parent.parent / "dags"
PROBE = """
import sys, time
import airflow.sdk  # already loaded in the DAG processor; not part of a file's cost
from airflow.dag_processing.dagbag import DagBag
best = float("inf")
for _ in range(5):
    start = time.perf_counter()
    bag = DagBag(dag_folder=sys.argv[1])
    best = min(best, time.perf_counter() - start)
    assert not bag.import_errors, bag.import_errors
print(f"{best:.3f}")
"""


def main() -> None:
    print(f"{'DAG file':32} parse time (best of 5)")
    for path in sorted(DAGS.glob("*.py")):
        out = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, check=True)
        print(f"{path.name:32} {float(out.stdout.strip().splitlines()[-1]) * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
