"""Reporter identity at rest: Fernet encryption plus a keyed hash for lookups.

The hash lets ingest find a member by phone number or Telegram id without ever
decrypting the table; the same key, split by HKDF, serves both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
import tempfile
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

KEY_FILE = "pii.key"


class PIIKeyError(RuntimeError):
    """No usable PII key: the message says how to provide one."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tocsin-pii-v1", info=purpose).derive(master)


@dataclass(frozen=True)
class Vault:
    """Encrypts, decrypts and hashes channel addresses with one master key."""

    master_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.master_key) < 16:
            raise PIIKeyError("TOCSIN_PII_KEY is too short: give at least 32 random bytes, base64-encoded")

    @cached_property
    def _fernet(self) -> Fernet:
        # Derived once per vault: HKDF on every call would dominate bulk ingest.
        return Fernet(base64.urlsafe_b64encode(_derive(self.master_key, b"encrypt")))

    @cached_property
    def _hash_key(self) -> bytes:
        return _derive(self.master_key, b"hash")

    def encrypt(self, value: str) -> bytes:
        """Ciphertext of ``value``; randomised, so equal values do not look equal at rest."""
        return self._fernet.encrypt(value.encode("utf-8"))

    def decrypt(self, token: bytes) -> str:
        """The clear value, or PIIKeyError when the token was written with another key."""
        try:
            return self._fernet.decrypt(token).decode("utf-8")
        except InvalidToken:
            raise PIIKeyError("stored identity cannot be decrypted: TOCSIN_PII_KEY is not the key it was written with") from None

    def hash(self, channel: str, address: str | int) -> str:
        """A stable keyed hash of a normalised address, per channel."""
        message = f"{channel}:{normalise_address(channel, address)}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()

    def __repr__(self) -> str:
        return "Vault(<key hidden>)"


def normalise_address(channel: str, address: str | int) -> str:
    """The canonical form used for hashing: E.164 digits for SMS, the integer id for Telegram."""
    text = str(address).strip()
    if channel == "sms":
        digits = "".join(ch for ch in text if ch.isdigit())
        return "+" + digits.lstrip("0") if digits else text
    return text


def _decode_key(text: str) -> bytes:
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        if len(raw) >= 16:
            return raw
    except ValueError:
        pass
    return text.encode("utf-8")


def load_vault(pii_key: str | None, database_url: str, data_dir: Path) -> Vault:
    """The vault for this deployment.

    With SQLite and no key set, a key file is generated beside the database on
    first use (the embedded default must work with no setup); any other database
    requires ``TOCSIN_PII_KEY``.
    """
    if pii_key:
        return Vault(_decode_key(pii_key))
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise PIIKeyError("TOCSIN_PII_KEY must be set when the database is not the embedded SQLite file")
    database = url.database
    key_dir = Path(database).parent if database and database != ":memory:" else data_dir
    key_file = key_dir / KEY_FILE
    if not key_file.exists():
        _create_key_file(key_file)
    return Vault(_decode_key(key_file.read_text()))


def _create_key_file(key_file: Path) -> None:
    """Write a new random key atomically (mkstemp makes it owner-only); when another process wins the race, its key is kept."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=key_file.parent, prefix=".pii-key-")
    try:
        with os.fdopen(fd, "w") as fh:
            fh.write(base64.urlsafe_b64encode(os.urandom(32)).decode())
        try:
            os.link(tmp, key_file)
        except FileExistsError:
            return
    finally:
        os.unlink(tmp)
    log.warning("TOCSIN_PII_KEY is not set: generated a key file at %s; back it up, without it stored identities are unreadable", key_file)
