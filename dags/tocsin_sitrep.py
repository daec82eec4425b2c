"""Tocsin daily situation report: each coordinator's area in counts, open incidents, trend and a chart."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

DOC = """
### Tocsin daily situation report

Every day at 06:00 UTC: closes acknowledged incidents with no new report for
three days (reporters who asked for updates are told), then queues for every
coordinator a summary of their region and everything under it — reports of
the last 24 h by severity and category, open incidents, and the trend against
the week's daily average. Telegram gets a chart (PNG) with the summary as its
caption; SMS gets the summary text. The `tocsin_stream` run's `deliver` task
sends them within seconds.

**Watch:** `queued` in the log should equal the number of coordinators;
fewer means some coordinator has no working channel (see `member_channels`).

**When it fails:** re-run the task: a report is queued once per coordinator
and day, so a re-run never sends it twice.
"""


@dag(
    dag_id="tocsin_sitrep",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    doc_md=DOC,
    tags=["tocsin"],
)
def tocsin_sitrep() -> None:
    @task
    def sitrep() -> dict:
        from tocsin import pipeline
        from tocsin.runtime import Runtime

        return pipeline.sitrep(Runtime(use_airflow_connections=True))

    sitrep()


tocsin_sitrep()
