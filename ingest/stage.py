"""The ingest stage: fetch from a provider, store, commit with the cursor, then confirm — per channel.

Whatever fails (provider, network, database, the task itself) fails before the
commit that moves the cursor, so a re-run reads the same messages again and
the unique provider ids store each exactly once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session
from telegram.error import TelegramError

from classifiers.gazetteer import gazetteer_from_db
from ingest import sms, telegram
from ingest.actions import RegionFinder
from ingest.errors import StoreFailed
from ingest.message import Batch
from ingest.retry import DEFAULT_POLICY, RetryPolicy
from ingest.store import StoreStats, get_cursor, store_batch
from models.pii import Vault

log = logging.getLogger(__name__)

SMS_CHUNK = 500  # reports per commit when a long SMS window is stored


def ingest_telegram(
    session: Session, vault: Vault, bot: Any, now: datetime, *, timeout: int = 0, max_batches: int = 20, policy: RetryPolicy = DEFAULT_POLICY
) -> dict[str, int]:
    """Read Telegram updates until none are left; each batch is committed with its offset."""
    return asyncio.run(_ingest_telegram(session, vault, bot, now, timeout, max_batches, policy))


async def _ingest_telegram(session: Session, vault: Vault, bot: Any, now: datetime, timeout: int, max_batches: int, policy: RetryPolicy) -> dict[str, int]:
    find_region = gazetteer_from_db(session).find

    def pseudonym(chat_id: int) -> str:
        return vault.hash("telegram", chat_id)[:16]

    total = StoreStats()
    await telegram.call(bot.initialize, bot, policy)
    try:
        for _ in range(max_batches):
            cursor = get_cursor(session, "telegram")
            updates = await telegram.get_updates(bot, cursor, policy, timeout=timeout)
            if not updates:
                break
            stats = commit_batch(session, vault, telegram.to_batch(updates, cursor, pseudonym), now, find_region)
            total.add(stats)
            await _answer_callbacks(bot, stats.callbacks)
            timeout = 0
    finally:
        await bot.shutdown()
    return total.as_dict()


def ingest_sms(session: Session, vault: Vault, client: Any, number: str | None, now: datetime, *, policy: RetryPolicy = DEFAULT_POLICY) -> dict[str, int]:
    """Read inbound SMS since the watermark; the last chunk's commit moves the watermark."""
    batch = sms.fetch(client, number, get_cursor(session, "sms"), policy)
    find_region = gazetteer_from_db(session).find
    total = StoreStats()
    starts = range(0, max(len(batch.messages), 1), SMS_CHUNK)
    for start in starts:
        last = start == starts[-1]
        part = Batch("sms", batch.messages[start : start + SMS_CHUNK], batch.quarantined if start == 0 else [], batch.cursor if last else None)
        total.add(commit_batch(session, vault, part, now, find_region))
    return total.as_dict()


def commit_batch(session: Session, vault: Vault, batch: Batch, now: datetime, find_region: RegionFinder) -> StoreStats:
    """Store and commit one batch; a concurrent writer's conflict or a dropped connection gets one more try."""
    for attempt in range(2):
        try:
            stats = store_batch(session, vault, batch, now, find_region)
            session.commit()
            return stats
        except (IntegrityError, OperationalError) as exc:
            _rollback(session)
            if attempt:
                raise StoreFailed(f"storing a {batch.channel} batch failed twice: {_describe(exc)}") from None
            log.warning("storing a %s batch failed, trying once more: %s", batch.channel, _describe(exc))
        except DBAPIError as exc:
            _rollback(session)
            raise StoreFailed(f"storing a {batch.channel} batch failed: {_describe(exc)}") from None
        except BaseException:
            _rollback(session)
            raise
    raise AssertionError("unreachable")


def _rollback(session: Session) -> None:
    with contextlib.suppress(DBAPIError):
        session.rollback()


def _describe(exc: DBAPIError) -> str:
    """The driver's first line only: SQLAlchemy's full message quotes the statement's parameters."""
    first = str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else ""
    return f"{type(exc.orig).__name__}: {first[:200]}"


async def _answer_callbacks(bot: Any, ids: list[str]) -> None:
    """Stop the button spinner on the member's phone; best effort, the press is already stored."""
    for callback_id in ids:
        try:
            await bot.answer_callback_query(callback_id)
        except TelegramError as exc:  # an expired query must not fail ingest
            log.info("answerCallbackQuery failed: %s", type(exc).__name__)
