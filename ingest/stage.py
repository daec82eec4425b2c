"""The ingest stage: fetch from a provider, store, then confirm — per channel."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from classifiers.stage import gazetteer_from_db
from ingest import sms, telegram
from ingest.store import StoreStats, get_cursor, store_batch
from models.pii import Vault

log = logging.getLogger(__name__)


def ingest_telegram(session: Session, vault: Vault, bot: Any, now: datetime, *, timeout: int = 0, max_batches: int = 20) -> dict[str, int]:
    """Read Telegram updates until none are left; each batch is committed with its offset."""
    total = StoreStats()
    for _ in range(max_batches):
        batch = telegram.fetch(bot, get_cursor(session, "telegram"), timeout=timeout)
        if not batch.messages and not batch.quarantined and batch.cursor == get_cursor(session, "telegram"):
            break
        stats = store_batch(session, vault, batch, now, gazetteer_from_db(session).find)
        session.commit()
        _merge(total, stats)
        if stats.callbacks:
            _answer_callbacks(bot, stats.callbacks)
        timeout = 0
    return total.as_dict()


def ingest_sms(session: Session, vault: Vault, client: Any, number: str | None, now: datetime) -> dict[str, int]:
    """Read inbound SMS since the watermark; commit them with the new watermark."""
    batch = sms.fetch(client, number, get_cursor(session, "sms"))
    stats = store_batch(session, vault, batch, now, gazetteer_from_db(session).find)
    session.commit()
    return stats.as_dict()


def _merge(total: StoreStats, stats: StoreStats) -> None:
    for key, value in stats.as_dict().items():
        setattr(total, key, getattr(total, key) + value)


def _answer_callbacks(bot: Any, ids: list[str]) -> None:
    """Stop the button spinner on the member's phone; best effort, the ACK is already stored."""

    async def run() -> None:
        async with bot:
            for callback_id in ids:
                try:
                    await bot.answer_callback_query(callback_id)
                except Exception as exc:  # an expired callback must not fail ingest
                    log.info("answerCallbackQuery failed: %s", type(exc).__name__)

    asyncio.run(run())


Clock = Callable[[], datetime]
