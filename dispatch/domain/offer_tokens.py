"""The token of a one-tap offer link (``/t/<token>``): it names one offer and proves the service wrote it.

A token is 14 characters of MAC (HMAC-SHA-256 of the offer's id, cut to 80 bits) followed by the id itself, both
in base 62: letters and digits only, so no messenger or SMS app cuts the link at a ``-``, ``_`` or ``.`` it takes
for the end of a sentence. An id below 62⁸ (about 2·10¹⁴) keeps the token within 22 characters.

The token says nothing about validity: whether the offer can still be answered is the offer's state and deadline,
read from the database each time. Nothing here reads a clock, a setting or a database.
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
MAC_BYTES = 10  # 80 bits: guessing one token takes about 2⁷⁹ tries, far beyond any rate limit's reach
MAC_LENGTH = 14  # base-62 digits that hold 80 bits (62¹⁴ > 2⁸⁰)
MAX_ID_LENGTH = 8
MAX_LENGTH = MAC_LENGTH + MAX_ID_LENGTH
LABEL = b"dispatch offer link v1:"
_DIGIT = {character: value for value, character in enumerate(ALPHABET)}


def token_for(assignment_id: int, key: bytes) -> str:
    """The token of offer ``assignment_id`` under ``key``."""
    if not 0 < assignment_id < len(ALPHABET) ** MAX_ID_LENGTH:
        raise ValueError(f"no token for offer id {assignment_id}")
    return _encode(_mac(assignment_id, key), MAC_LENGTH) + _encode(assignment_id)


def assignment_of(token: str, key: bytes) -> int | None:
    """The offer id a token names, or None when the token is not one ``key`` made (tampered, cut, another key's)."""
    if not MAC_LENGTH < len(token) <= MAX_LENGTH or any(c not in _DIGIT for c in token):
        return None
    mac, named = token[:MAC_LENGTH], token[MAC_LENGTH:]
    if named[0] == "0":  # one spelling per id: a leading zero would name the same offer twice
        return None
    assignment_id = _decode(named)
    expected = _encode(_mac(assignment_id, key), MAC_LENGTH)
    return assignment_id if hmac.compare_digest(mac, expected) else None


def _mac(assignment_id: int, key: bytes) -> int:
    digest = hmac.new(key, LABEL + str(assignment_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:MAC_BYTES], "big")


def _encode(value: int, width: int = 1) -> str:
    digits = []
    while value or len(digits) < width:
        value, digit = divmod(value, len(ALPHABET))
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def _decode(text: str) -> int:
    value = 0
    for character in text:
        value = value * len(ALPHABET) + _DIGIT[character]
    return value
