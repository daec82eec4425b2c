"""Bot API parameters from a query string, JSON, form or multipart body, coerced the way Telegram does."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from ingest.sandbox.errors import BotApiError

_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class Params:
    """One call's parameters; form values arrive as strings and JSON values as they are, both are accepted."""

    def __init__(self, values: dict[str, Any]) -> None:
        self._values = values

    @classmethod
    async def read(cls, request: Request) -> Params:
        """Merge the query string with whatever body the client sent."""
        values: dict[str, Any] = dict(request.query_params)
        content_type = request.headers.get("content-type", "")
        if content_type.startswith("application/json"):
            raw = await request.body()
            try:
                body = json.loads(raw) if raw.strip() else {}
            except ValueError:
                body = None
            if not isinstance(body, dict):
                raise BotApiError(400, "Bad Request: request body must be a JSON object")
            values.update(body)
        elif content_type.startswith(_FORM_TYPES):
            form = await request.form()
            values.update(form.multi_items())
        return cls(values)

    def integer(self, name: str, default: int | None = None) -> int | None:
        """An Integer parameter, or default when it is absent."""
        value = self._values.get(name)
        if value is None or value == "":
            return default
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(str(value))
        except ValueError:
            raise BotApiError(400, f'Bad Request: field "{name}" must be of type Integer') from None

    def string(self, name: str) -> str | None:
        """A String parameter; numbers sent in JSON are read as their text, as Telegram does."""
        value = self._values.get(name)
        if value is None or isinstance(value, UploadFile):
            return None
        return value if isinstance(value, str) else json.dumps(value)

    def flag(self, name: str) -> bool:
        """A Boolean parameter."""
        value = self._values.get(name)
        return value is True or (isinstance(value, str) and value.lower() in ("true", "1"))

    def json(self, name: str, what: str) -> Any:
        """A parameter holding a JSON-serialized object, sent as a string in forms."""
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise BotApiError(400, f"Bad Request: can't parse {what} JSON object") from None

    def upload(self, name: str) -> UploadFile | None:
        """A file sent as multipart/form-data."""
        value = self._values.get(name)
        return value if isinstance(value, UploadFile) else None
