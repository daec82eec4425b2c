"""The provider clients reach a sandbox by base URL alone, keep their secrets out of sight, and time out."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import httpx
import pytest
import requests
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ingest.clients import TWILIO_TIMEOUT_S, RoutedTwilioHttpClient, telegram_bot, twilio_client
from ingest.sandbox import SandboxServer

TOKEN = "700000000:SECRET-part-of-the-token"
ACCOUNT = "AC" + "2" * 32
AUTH_TOKEN = "twilio-auth-token-secret"
SERVICE_NUMBER = "+15005550006"


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer() as running:
        yield running


@pytest.fixture(autouse=True)
def clean(server: SandboxServer) -> None:
    httpx.post(f"{server.url}/control/reset", timeout=5).raise_for_status()


def test_telegram_bot_talks_to_the_sandbox(server: SandboxServer) -> None:
    bot = telegram_bot(TOKEN, server.url + "/")

    async def scenario() -> tuple[str, int]:
        async with bot:
            message = await bot.send_message(700000001, "Alert")
            return bot.username, message.chat.id

    assert bot.base_url == f"{server.url}/bot{TOKEN}"
    assert bot.base_file_url == f"{server.url}/file/bot{TOKEN}"
    assert asyncio.run(scenario()) == ("tocsin_sandbox_bot", 700000001)


def test_telegram_bot_defaults_to_the_real_api() -> None:
    bot = telegram_bot(TOKEN)
    assert bot.base_url == f"https://api.telegram.org/bot{TOKEN}"


def test_bot_repr_hides_the_token_secret() -> None:
    bot = telegram_bot(TOKEN, "http://127.0.0.1:9")
    assert repr(bot) == "Bot[token=700000000:***]"
    assert "SECRET" not in str(bot)


def test_request_logs_hide_the_token_secret(server: SandboxServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="httpx")

    async def scenario() -> None:
        async with telegram_bot(TOKEN, server.url) as bot:
            await bot.get_updates()

    asyncio.run(scenario())
    assert "/bot700000000:***/getUpdates" in caplog.text
    assert "SECRET" not in caplog.text


def test_twilio_client_sends_create_fetch_and_paging_to_the_sandbox(server: SandboxServer) -> None:
    client = twilio_client(ACCOUNT, AUTH_TOKEN, server.url)
    for n in range(5):
        client.messages.create(to="+9779800000001", from_=SERVICE_NUMBER, body=f"alert {n}")
    # Paging follows next_page_uri, which the client turns into an absolute api.twilio.com URL.
    listed = client.messages.list(page_size=2)
    fetched = client.messages(listed[0].sid).fetch()
    assert [m.body for m in listed] == [f"alert {n}" for n in reversed(range(5))]
    assert fetched.account_sid == ACCOUNT and fetched.status == "sent"


def test_twilio_regional_hosts_are_routed_too(server: SandboxServer) -> None:
    client = twilio_client(ACCOUNT, AUTH_TOKEN, server.url)
    client.edge, client.region = "dublin", "ie1"
    created = client.messages.create(to="+9779800000001", from_=SERVICE_NUMBER, body="via an edge")
    assert created.status == "queued"


def test_route_rewrites_only_twilio_hosts() -> None:
    routed = RoutedTwilioHttpClient("http://127.0.0.1:9/")
    assert routed.route("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&Page=1") == (
        "http://127.0.0.1:9/2010-04-01/Accounts/AC1/Messages.json?PageSize=2&Page=1"
    )
    assert routed.route("https://api.dublin.ie1.twilio.com/2010-04-01/Accounts.json") == "http://127.0.0.1:9/2010-04-01/Accounts.json"
    assert routed.route("https://example.org/twilio.com") == "https://example.org/twilio.com"
    assert routed.route("https://nottwilio.com/x") == "https://nottwilio.com/x"


def test_twilio_client_defaults_to_the_real_api() -> None:
    client = twilio_client(ACCOUNT, AUTH_TOKEN)
    assert type(client.http_client) is TwilioHttpClient
    assert client.http_client.timeout == TWILIO_TIMEOUT_S


def test_twilio_client_repr_hides_the_auth_token() -> None:
    client = twilio_client(ACCOUNT, AUTH_TOKEN, "http://127.0.0.1:9")
    assert AUTH_TOKEN not in repr(client) and AUTH_TOKEN not in repr(client.http_client)


def test_twilio_requests_time_out(server: SandboxServer) -> None:
    httpx.post(f"{server.url}/control/faults", json={"channel": "sms", "latency_ms": 800, "methods": ["list"]}, timeout=5)
    client = Client(ACCOUNT, AUTH_TOKEN, http_client=RoutedTwilioHttpClient(server.url, timeout=0.2))
    with pytest.raises(requests.exceptions.Timeout):
        client.messages.list()
