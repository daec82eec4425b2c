"""Telegram Bot API objects as JSON dicts, shaped as the real API returns them."""

from __future__ import annotations

import secrets
from typing import Any

JSON = dict[str, Any]

BOT_FIRST_NAME = "Tocsin Sandbox"
BOT_USERNAME = "tocsin_sandbox_bot"


def bot_user(bot_id: int) -> JSON:
    """The bot itself, as getMe and the "from" of its messages show it."""
    return {
        "id": bot_id,
        "is_bot": True,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


def user(user_id: int, first_name: str | None = None, language_code: str | None = None) -> JSON:
    """A human member."""
    person: JSON = {"id": user_id, "is_bot": False, "first_name": first_name or f"Member {user_id}"}
    if language_code:
        person["language_code"] = language_code
    return person


def chat(chat_id: int, first_name: str | None = None) -> JSON:
    """A chat whose type follows Telegram's id ranges: positive private, -100… supergroup, other negative group."""
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": first_name or f"Member {chat_id}"}
    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
    return {"id": chat_id, "type": kind, "title": f"Group {chat_id}"}


def new_file_ids() -> tuple[str, str]:
    """A (file_id, file_unique_id) pair shaped like Telegram's opaque ids."""
    return "AgACAgQAAxkBAA" + secrets.token_urlsafe(24), "AQAD" + secrets.token_urlsafe(8)


def photo_sizes(file_id: str, file_unique_id: str) -> list[JSON]:
    """The thumbnail-to-full ladder Telegram returns for one photo; the largest keeps the given id."""
    ladder = [(90, 67, 1200), (320, 240, 14000), (800, 600, 61000)]
    return [
        {
            "file_id": file_id if index == len(ladder) - 1 else f"{file_id}_{width}",
            "file_unique_id": f"{file_unique_id}{index}",
            "width": width,
            "height": height,
            "file_size": size,
        }
        for index, (width, height, size) in enumerate(ladder)
    ]


def voice() -> JSON:
    """A short voice note."""
    file_id, unique_id = new_file_ids()
    return {"file_id": file_id, "file_unique_id": unique_id, "duration": 4, "mime_type": "audio/ogg", "file_size": 9000}


def document() -> JSON:
    """A small PDF document."""
    file_id, unique_id = new_file_ids()
    return {"file_id": file_id, "file_unique_id": unique_id, "file_name": "report.pdf", "mime_type": "application/pdf", "file_size": 20000}
