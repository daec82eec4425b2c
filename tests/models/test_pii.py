"""The PII vault: encryption at rest, keyed-hash lookups, and where the key comes from."""

from __future__ import annotations

import base64
import logging
import stat
from pathlib import Path

import pytest

from models.pii import KEY_FILE, PIIKeyError, Vault, load_vault

KEY = base64.urlsafe_b64encode(b"k" * 32).decode()


def test_encryption_round_trips_and_hides_equal_values() -> None:
    vault = Vault(b"k" * 32)
    first, second = vault.encrypt("+255711000099"), vault.encrypt("+255711000099")
    assert first != second and b"255711000099" not in first
    assert vault.decrypt(first) == "+255711000099"


def test_hash_is_keyed_normalised_and_per_channel() -> None:
    vault = Vault(b"k" * 32)
    assert vault.hash("sms", "+255 711-000 099") == vault.hash("sms", "00255711000099") == vault.hash("sms", "+255711000099")
    assert vault.hash("telegram", 255711000099) != vault.hash("sms", "+255711000099")
    assert Vault(b"j" * 32).hash("sms", "+255711000099") != vault.hash("sms", "+255711000099")


def test_a_wrong_or_short_key_fails_clearly() -> None:
    token = Vault(b"k" * 32).encrypt("700000001")
    with pytest.raises(PIIKeyError, match="not the key"):
        Vault(b"j" * 32).decrypt(token)
    with pytest.raises(PIIKeyError, match="too short"):
        Vault(b"short")
    assert "k" * 8 not in repr(Vault(b"k" * 32))


def test_sqlite_without_a_key_gets_a_key_file_beside_the_database(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite:///{tmp_path / 'db' / 'tocsin.db'}"
    with caplog.at_level(logging.WARNING, logger="models.pii"):
        first = load_vault(None, url, tmp_path / "elsewhere")
    key_file = tmp_path / "db" / KEY_FILE
    assert key_file.exists() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "TOCSIN_PII_KEY is not set" in caplog.text and "back it up" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="models.pii"):
        again = load_vault(None, url, tmp_path / "elsewhere")
    assert again.hash("sms", "+1555") == first.hash("sms", "+1555") and caplog.text == ""
    assert list((tmp_path / "db").iterdir()) == [key_file]


def test_in_memory_sqlite_keeps_its_key_in_the_data_folder(tmp_path: Path) -> None:
    load_vault(None, "sqlite://", tmp_path)
    assert (tmp_path / KEY_FILE).exists()


def test_postgresql_requires_the_key() -> None:
    with pytest.raises(PIIKeyError, match="TOCSIN_PII_KEY must be set"):
        load_vault(None, "postgresql+psycopg://tocsin@127.0.0.1/tocsin", Path("."))
    assert load_vault(KEY, "postgresql+psycopg://tocsin@127.0.0.1/tocsin", Path(".")).hash("sms", "+1") == Vault(b"k" * 32).hash("sms", "+1")
