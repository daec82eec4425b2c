"""Tocsin's report stream: ingest → classify → correlate → route → deliver, run back to back."""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import dag, task

DOC = """
### Tocsin report stream

Runs continuously (`@continuous`, one run at a time). The two `ingest_*`
tasks wait (up to `ingest_wait_seconds`, 20 s) for the first new message on
either channel, store it, and hand over at once; the run then classifies the
reports, groups them into incidents, routes alerts and sends every queued
message (acknowledgements, replies, alerts, escalations). A report reaches its
recipients in about ten seconds. Idle runs last about half a minute.

**Watch:** a red task stops the stream until the next run retries it; every
stage is idempotent, so re-running a failed run never loses or doubles a report
or an alert. Each task's log ends with its counts (`stored`, `duplicates`,
`quarantined`, `classified`, `alerts`, `sent`, `retried`, `failed`...).

`track_status` then refreshes the carrier status of recent SMS (delivered,
undelivered…) and fails undeliverable ones over to the member's other channel.

**When it fails:** `ingest_*` failing means the provider (or its credentials in
the `tocsin_telegram` / `tocsin_twilio` connections) is unreachable; reports
wait at the provider and are read when it returns. `deliver` failures are
retried per message with backoff; permanent failures fail over to the member's
other channel and show in the `deliveries` table with their reason.
"""

WAIT = 20  # seconds an ingest task waits for the first message before the run moves on

DEFAULTS = {"retries": 2, "retry_delay": timedelta(seconds=5), "execution_timeout": timedelta(minutes=10)}


def _rt():  # noqa: ANN202 - imported inside tasks to keep parsing fast
    from tocsin.runtime import Runtime

    return Runtime(use_airflow_connections=True)


def _ingest(channel: str, wait: float) -> dict:
    """Run one channel's ingest; refused credentials fail the task at once instead of retrying."""
    from airflow.sdk.exceptions import AirflowFailException

    from ingest.errors import IngestError
    from tocsin import pipeline

    try:
        return getattr(pipeline, f"ingest_{channel}")(_rt(), wait=wait)
    except IngestError as exc:
        if not exc.retryable:
            raise AirflowFailException(f"{type(exc).__name__}: {exc}") from None
        raise


@dag(
    dag_id="tocsin_stream",
    schedule="@continuous",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULTS,
    params={"ingest_wait_seconds": WAIT},
    doc_md=DOC,
    tags=["tocsin"],
)
def tocsin_stream() -> None:
    @task
    def ingest_telegram(params: dict | None = None) -> dict:
        return _ingest("telegram", float((params or {}).get("ingest_wait_seconds", WAIT)))

    @task
    def ingest_sms(params: dict | None = None) -> dict:
        return _ingest("sms", float((params or {}).get("ingest_wait_seconds", WAIT)))

    @task
    def classify() -> dict:
        from tocsin import pipeline

        return pipeline.classify(_rt())

    @task
    def correlate() -> dict:
        from tocsin import pipeline

        return pipeline.correlate(_rt())

    @task
    def route() -> dict:
        from tocsin import pipeline

        return pipeline.route(_rt())

    @task(trigger_rule="all_done")
    def deliver() -> dict:
        from tocsin import pipeline

        return pipeline.deliver(_rt())

    @task(trigger_rule="all_done")
    def track_status() -> dict:
        from tocsin import pipeline

        return pipeline.track_status(_rt())

    [ingest_telegram(), ingest_sms()] >> classify() >> correlate() >> route() >> deliver() >> track_status()


tocsin_stream()
