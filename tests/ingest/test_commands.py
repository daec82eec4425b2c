"""Which texts are commands: a report that merely contains a command word stays a report."""

from __future__ import annotations

import pytest

from ingest.commands import Command, parse_command
from models.refs import new_ref


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ACK 7KQ2M", Command("ack", "7KQ2M")),
        ("ack abcde", Command("ack", "ABCDE")),
        ("ok 7kq2m", Command("ack", "7KQ2M")),
        ("prapta K7Q2M", Command("ack", "K7Q2M")),
        ("ok thanks", None),
        ("recu merci", None),
        ("ACK", None),
        ("stop the fighting in ward 4 they are burning houses", None),
        ("STOP", Command("stop")),
        ("/start", Command("start")),
    ],
)
def test_command_or_report(text: str, expected: Command | None) -> None:
    assert parse_command(text) == expected


def test_every_reference_code_can_be_acknowledged_with_a_local_word() -> None:
    for _ in range(2000):
        code = new_ref(5)
        assert parse_command(f"ok {code.lower()}") == Command("ack", code)
