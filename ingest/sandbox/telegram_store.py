"""The emulated Telegram's memory: pending updates, long polls, chats' messages, webhook and blocks."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
import threading
from typing import Any

from ingest.sandbox.errors import POLL_CONFLICT, WEBHOOK_CONFLICT, BotApiError

JSON = dict[str, Any]

DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message", "edited_message", "channel_post", "edited_channel_post", "business_connection",
        "business_message", "edited_business_message", "deleted_business_messages", "inline_query",
        "chosen_inline_result", "callback_query", "shipping_query", "pre_checkout_query",
        "purchased_paid_media", "poll", "poll_answer", "my_chat_member", "chat_join_request",
        "chat_boost", "removed_chat_boost",
    }
)
_OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


def _update_id(update: JSON) -> int:
    """An update's id for ordering; a malformed one sorts first so any offset confirms it."""
    value = update.get("update_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _update_type(update: JSON) -> str | None:
    """The update's kind (its payload key), or None for a malformed update of no known kind."""
    known = DEFAULT_ALLOWED_UPDATES | _OPT_IN_UPDATES
    return next((key for key in update if key in known), None)


class TelegramStore:
    """Thread-safe state behind the Bot API; long polls wait on asyncio events woken from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_update_id = 1
        self._poll_generation = 0
        self._waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        self._closed = False
        self._clear()

    def _clear(self) -> None:
        """Forget everything but the update id counter, which stays monotonic so stored offsets remain valid."""
        self._updates: list[JSON] = []
        self._messages: dict[tuple[int, int], JSON] = {}
        self._last_message_id: dict[int, int] = {}
        self._callbacks: set[str] = set()
        self._blocked: set[int] = set()
        self._webhook_url = ""
        self._allowed = DEFAULT_ALLOWED_UPDATES

    def reset(self) -> None:
        """Empty the store."""
        with self._lock:
            self._clear()

    def close(self) -> None:
        """Make pending and future long polls return at once, so the server can stop quickly."""
        with self._lock:
            self._closed = True
            self._wake()

    def push_update(self, update: JSON) -> int | None:
        """Queue an update as given, numbering it only if it has no update_id, and wake long polls."""
        with self._lock:
            update = copy.deepcopy(update)
            if "update_id" not in update:
                update["update_id"] = self._next_update_id
            self._next_update_id = max(self._next_update_id, _update_id(update) + 1)
            self._updates.append(update)
            self._updates.sort(key=_update_id)
            self._wake()
            return update["update_id"] if _update_id(update) >= 0 else None

    def next_message_id(self, chat_id: int) -> int:
        """The next message id in a chat; both sides of a private chat share one sequence, as in Telegram."""
        with self._lock:
            self._last_message_id[chat_id] = self._last_message_id.get(chat_id, 0) + 1
            return self._last_message_id[chat_id]

    def remember(self, message: JSON) -> None:
        """Keep a message so it can be edited, or shown under a callback query."""
        with self._lock:
            key = (message["chat"]["id"], message["message_id"])
            self._messages[key] = copy.deepcopy(message)
            self._last_message_id[key[0]] = max(self._last_message_id.get(key[0], 0), key[1])

    def message(self, chat_id: int, message_id: int) -> JSON | None:
        """A copy of a remembered message."""
        with self._lock:
            found = self._messages.get((chat_id, message_id))
            return copy.deepcopy(found) if found is not None else None

    def issue_callback(self) -> str:
        """A new callback query id the bot can answer."""
        query_id = str(secrets.randbits(63))
        with self._lock:
            self._callbacks.add(query_id)
        return query_id

    def answer_callback(self, query_id: str) -> bool:
        """Whether the callback query exists and was not answered yet; answering uses it up."""
        with self._lock:
            if query_id not in self._callbacks:
                return False
            self._callbacks.discard(query_id)
            return True

    def block(self, chat_id: int) -> None:
        """The member blocks the bot."""
        with self._lock:
            self._blocked.add(chat_id)

    def is_blocked(self, chat_id: int) -> bool:
        """Whether the member has blocked the bot."""
        with self._lock:
            return chat_id in self._blocked

    def set_webhook(self, url: str, drop_pending: bool) -> None:
        """Set (or with "" delete) the webhook; while one is set getUpdates is refused."""
        with self._lock:
            self._webhook_url = url
            if drop_pending:
                self._updates.clear()
            self._wake()

    def webhook_info(self) -> JSON:
        """What getWebhookInfo reports."""
        with self._lock:
            return {"url": self._webhook_url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    async def poll(self, offset: int | None, limit: int, timeout: float, allowed: list[str] | None) -> list[JSON]:
        """getUpdates: confirm updates below offset, then return pending ones, waiting up to timeout for some."""
        loop = asyncio.get_running_loop()
        event = asyncio.Event()
        with self._lock:
            if self._webhook_url:
                raise BotApiError(409, WEBHOOK_CONFLICT)
            self._poll_generation += 1
            generation = self._poll_generation
            self._wake()
            if allowed is not None:
                self._allowed = frozenset(allowed) or DEFAULT_ALLOWED_UPDATES
            self._confirm(offset)
            batch = self._take(limit)
            if batch or timeout <= 0 or self._closed:
                return batch
            self._waiters.add((loop, event))
        deadline = loop.time() + timeout
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(event.wait(), max(0.0, deadline - loop.time()))
                event.clear()
                with self._lock:
                    if generation != self._poll_generation:
                        raise BotApiError(409, POLL_CONFLICT)
                    if self._webhook_url:
                        raise BotApiError(409, WEBHOOK_CONFLICT)
                    batch = self._take(limit)
                    if batch or self._closed or loop.time() >= deadline:
                        return batch
        finally:
            with self._lock:
                self._waiters.discard((loop, event))

    def _confirm(self, offset: int | None) -> None:
        """Drop updates the caller has confirmed; a negative offset keeps only the last -offset updates."""
        if offset is None:
            return
        if offset < 0:
            self._updates = self._updates[offset:]
        else:
            self._updates = [update for update in self._updates if _update_id(update) >= offset]

    def _take(self, limit: int) -> list[JSON]:
        """The first pending updates the bot asked for; updates of kinds it did not ask for are dropped."""
        self._updates = [update for update in self._updates if _update_type(update) in self._allowed | {None}]
        return copy.deepcopy(self._updates[:limit])

    def _wake(self) -> None:
        """Wake every waiting long poll, whichever thread or loop it runs on."""
        for loop, event in list(self._waiters):
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:
                self._waiters.discard((loop, event))
