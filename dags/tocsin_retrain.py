"""Retraining the report classifier on the corpus plus operators' corrections."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Param, dag, get_current_context, task

DOC = """
### Tocsin classifier retraining

Trains a candidate model on the shipped corpus plus every operator correction,
evaluates it and the active model on the frozen test split, and promotes the
candidate **only if alert recall does not drop and macro-F1 drops by at most
0.01**. Otherwise the active model stays. Runs daily, or on demand.

**Correcting labels from the UI:** *Trigger DAG w/ config* and fill
`corrections` with a list such as
`[{"report_ref": "K7M2QX", "category": "abduction_disappearance", "severity": 3}]`
(categories and severities as in TAXONOMY.md). They are stored (the report's
signal is pinned to the new label at once) before retraining. Operators can
also use `tocsin label REPORT_REF CATEGORY SEVERITY`.

**Watch:** the `retrain` task log shows both metric sets (candidate and
active: n, alert recall, precision, macro-F1, everyday alert rate) and the
decision with its reason; its return value holds the same.

**When it fails:** `store_corrections` lists corrections it could not store
(unknown reference, label not allowed) and fails so they are not silently
lost; fix the config and trigger again. A failed `retrain` leaves the active
model in place; classification keeps running.
"""


@dag(
    dag_id="tocsin_retrain",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 0, "execution_timeout": timedelta(minutes=30)},
    params={"corrections": Param([], type="array", description='[{"report_ref": "...", "category": "...", "severity": 0-3}]')},
    doc_md=DOC,
    tags=["tocsin", "model"],
)
def tocsin_retrain() -> None:
    @task
    def store_corrections() -> dict:
        from classifiers.corrections import record_corrections
        from tocsin.runtime import Runtime

        items = get_current_context()["params"].get("corrections") or []
        with Runtime(use_airflow_connections=True).session() as session:
            result = record_corrections(session, items, operator="airflow")
            if result["errors"]:
                session.rollback()
                raise ValueError("corrections not stored: " + "; ".join(result["errors"]))
            session.commit()
        return result

    @task
    def retrain() -> dict:
        from classifiers.training import retrain as run
        from tocsin.runtime import Runtime

        with Runtime(use_airflow_connections=True).session() as session:
            return run(session)

    store_corrections() >> retrain()


tocsin_retrain()
