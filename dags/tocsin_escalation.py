"""Tocsin escalation: alerts nobody acknowledged by their deadline go to the next tier."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

DOC = """
### Tocsin escalation

Every minute: finds alerts past their acknowledgement deadline (default:
critical 10 min, elevated 60 min) whose incident nobody acknowledged, and
alerts the next tier of the routing rule (e.g. backup focal person → police
liaison → coordinator). The escalation messages go out with the next
`tocsin_stream` run's `deliver` task.

**Watch:** `exhausted` > 0 in the log means an incident went through every
tier without an acknowledgement: call the focal persons directly.
"""


@dag(
    dag_id="tocsin_escalation",
    schedule=timedelta(minutes=1),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(seconds=10)},
    doc_md=DOC,
    tags=["tocsin"],
)
def tocsin_escalation() -> None:
    @task
    def escalate() -> dict:
        from tocsin import pipeline
        from tocsin.runtime import Runtime

        return pipeline.escalate(Runtime(use_airflow_connections=True))

    escalate()


tocsin_escalation()
