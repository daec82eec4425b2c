"""Tocsin rising tension: concern-level reports per region against that region's own baseline."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

DOC = """
### Tocsin rising tension

Every 15 minutes: for each region, counts concern-level reports (tension,
rumours, hate speech without a threat) of the last 6 hours and compares them
with the region's usual daily rate over the past 28 days. A count that would
be very unlikely at the usual rate (and at least 5 reports) opens a spike
incident, which `tocsin_stream`'s `route` task sends to the region's focal
persons ("7 tension reports in Kirkuk in 6 h, usually 1 a day"), once per
region and day.

**Watch:** `spikes` counts new spike alerts; `already_alerted` counts regions
still high after their alert today.

**When it fails:** re-run it; a region gets at most one spike alert a day, so
re-runs never alert twice.
"""


@dag(
    dag_id="tocsin_spikes",
    schedule=timedelta(minutes=15),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=30)},
    doc_md=DOC,
    tags=["tocsin"],
)
def tocsin_spikes() -> None:
    @task
    def detect_spikes() -> dict:
        from tocsin import pipeline
        from tocsin.runtime import Runtime

        return pipeline.detect_spikes(Runtime(use_airflow_connections=True))

    detect_spikes()


tocsin_spikes()
