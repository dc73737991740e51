"""Personal data at rest: SM4-GCM encryption bound to its column, and a keyed hash to find a value again.

Pure: given key bytes, no Flask or database. SM4 (GB/T 32907) is the cipher a Chinese assessor expects for 等保
and PIPL; GCM authenticates, so a changed byte fails loudly (``InvalidTag``) instead of reading as another number.
A value is stored as ``v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>``: the key id says which key of the ring
opens it, so keys can rotate while old rows stay readable. The column's name is the associated data, so a
ciphertext copied into another column does not open there.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

__all__ = ["InvalidTag", "KeySettingError", "Keyring", "UnreadableValue", "is_sealed", "key_id_of", "new_key", "parse_keys"]

VERSION = "v1"
KEY_BYTES = 16  # SM4 has a 128-bit key
NONCE_BYTES = 12  # 96 bits, random per value: never reused under one key in any realistic number of writes
TAG_BYTES = 16
MIN_HASH_KEY_BYTES = 16


class KeySettingError(ValueError):
    """A key setting that cannot be used, said plainly (which part is wrong, never the key itself)."""


class UnreadableValue(ValueError):
    """A stored value that is not a sealed value of this format, or sealed under a key the ring does not hold."""


@dataclass(frozen=True)
class Keyring:
    """The encryption keys by id (the highest seals new values) and the separate key of the lookup hash."""

    keys: dict[int, bytes]
    hash_key: bytes

    def __post_init__(self) -> None:
        if not self.keys:
            raise KeySettingError("no encryption key")
        if any(len(key) != KEY_BYTES for key in self.keys.values()):
            raise KeySettingError(f"every encryption key is {KEY_BYTES} bytes")
        if len(self.hash_key) < MIN_HASH_KEY_BYTES:
            raise KeySettingError(f"the hash key is at least {MIN_HASH_KEY_BYTES} bytes")

    @property
    def current(self) -> int:
        return max(self.keys)

    def seal(self, plain: str, column: str) -> str:
        """Encrypt ``plain`` for ``column`` (``table.column``) under the newest key."""
        key_id, nonce = self.current, os.urandom(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self.keys[key_id]), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(_associated(column, key_id))
        sealed = encryptor.update(plain.encode()) + encryptor.finalize() + encryptor.tag
        return f"{VERSION}:{key_id}:{base64.b64encode(nonce + sealed).decode()}"

    def open(self, stored: str, column: str) -> str:
        """The plain value; ``InvalidTag`` if a byte was changed or it was sealed for another column."""
        key_id, raw = _parts(stored)
        if key_id not in self.keys:
            raise UnreadableValue(f"sealed under key {key_id}, which is not in the ring")
        if len(raw) < NONCE_BYTES + TAG_BYTES:
            raise UnreadableValue("too short to be a sealed value")
        nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(self.keys[key_id]), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(_associated(column, key_id))
        return (decryptor.update(body) + decryptor.finalize()).decode()

    def lookup_hash(self, value: str) -> str:
        """HMAC-SHA-256 of a value (a phone in E.164), hex: equal values, equal hashes, found by an index."""
        return hmac.new(self.hash_key, value.encode(), hashlib.sha256).hexdigest()


def key_id_of(stored: str) -> int:
    """The id of the key a stored value was sealed under."""
    return _parts(stored)[0]


def is_sealed(stored: str) -> bool:
    return stored.startswith(f"{VERSION}:")


def _parts(stored: str) -> tuple[int, bytes]:
    version, _, rest = stored.partition(":")
    key_id, _, payload = rest.partition(":")
    if version != VERSION or not key_id.isdigit() or not payload:
        raise UnreadableValue("not a sealed value")
    try:
        return int(key_id), base64.b64decode(payload, validate=True)
    except binascii.Error as exc:
        raise UnreadableValue("not a sealed value") from exc


def _associated(column: str, key_id: int) -> bytes:
    return f"{VERSION}:{key_id}:{column}".encode()


def parse_keys(text: str) -> dict[int, bytes]:
    """``1:<base64 16 bytes>,2:<base64 16 bytes>`` into keys by id."""
    keys: dict[int, bytes] = {}
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        key_id, sep, encoded = part.partition(":")
        if not sep or not key_id.strip().isdigit():
            raise KeySettingError("each key is written <id>:<base64 key>, separated by commas")
        if int(key_id) in keys:
            raise KeySettingError(f"key id {int(key_id)} is given twice")
        keys[int(key_id)] = parse_key(encoded)
    if not keys:
        raise KeySettingError("no encryption key")
    return keys


def parse_key(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as exc:
        raise KeySettingError("a key is not valid base64") from exc


def new_key(size: int = KEY_BYTES) -> str:
    """A fresh random key, base64, for a setting."""
    return base64.b64encode(os.urandom(size)).decode()
