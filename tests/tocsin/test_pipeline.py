"""One pass of every stage carries sandbox reports to alerts, on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx

from tocsin.pipeline import run_once


def _outbox(sandbox) -> list[dict]:
    return httpx.get(f"{sandbox.url}/control/outbox").json()


def test_critical_sms_report_alerts_the_routed_people_once_and_acks_the_reporter(network_rt, sandbox) -> None:
    httpx.post(f"{sandbox.url}/control/sms/messages", json={"from": "+9779800000005", "to": "+15550000000", "body": "armed men attacked the market in kohalpur, 2 people shot dead"}).raise_for_status()

    first = run_once(network_rt)
    second = run_once(network_rt)

    assert first["ingest_sms"]["stored"] == 1
    assert second["ingest_sms"]["stored"] == 0 and second["deliver"]["sent"] == 0
    outbox = _outbox(sandbox)
    alerts = sorted(m["to"] for m in outbox if m["text"].startswith("TOCSIN"))
    assert alerts == [700000001, 700000003]  # Banke focal person; Lumbini police liaison via the parent region
    acks = [m for m in outbox if m["to"] == "+9779800000005"]
    assert len(acks) == 1 and "प्राप्त" in acks[0]["text"]  # Bikash's language is Nepali


def test_calm_report_is_acknowledged_but_alerts_nobody(network_rt, sandbox) -> None:
    httpx.post(f"{sandbox.url}/control/telegram/messages", json={"user_id": 700000015, "chat_id": 700000015, "text": "الوضع هادئ في الموصل اليوم والحمد لله"}).raise_for_status()

    run_once(network_rt)

    outbox = _outbox(sandbox)
    assert [m["to"] for m in outbox] == [700000015]
    assert not outbox[0]["text"].startswith("TOCSIN")


def test_ingest_waits_for_a_message_that_arrives_during_its_window(network_rt, sandbox) -> None:
    import threading

    from tocsin.pipeline import ingest_sms, ingest_telegram

    send = lambda: httpx.post(f"{sandbox.url}/control/telegram/messages", json={"user_id": 700000015, "text": "مسلحين قرب سنجار"})  # noqa: E731
    threading.Timer(1.5, send).start()
    assert ingest_telegram(network_rt, wait=0)["stored"] == 0
    assert ingest_telegram(network_rt, wait=30)["stored"] == 1
    # With a report already waiting downstream, the other channel hands over at once instead of waiting.
    assert ingest_sms(network_rt, wait=600)["stored"] == 0
