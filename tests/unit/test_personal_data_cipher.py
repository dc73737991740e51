"""Phones sealed at rest: SM4-GCM opens only what it sealed, for the column it sealed it for, under a key it holds."""

from __future__ import annotations

import base64

import pytest

from dispatch.personal_data.cipher import (
    InvalidTag,
    Keyring,
    KeySettingError,
    UnreadableValue,
    key_id_of,
    new_key,
    parse_keys,
)

PHONE = "+8613812345678"
COLUMN = "organizations.leader_phone"


def ring(*key_ids: int) -> Keyring:
    return Keyring({key_id: bytes([key_id]) * 16 for key_id in key_ids or (1,)}, b"h" * 32)


def flip_one_byte(stored: str, index: int) -> str:
    prefix, payload = stored.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[index] ^= 0x01
    return f"{prefix}:{base64.b64encode(bytes(raw)).decode()}"


def test_a_sealed_phone_opens_to_itself_and_shows_no_digit_of_it():
    sealed = ring().seal(PHONE, COLUMN)
    assert ring().open(sealed, COLUMN) == PHONE
    assert sealed.startswith("v1:1:") and "13812345678" not in sealed and "5678" not in sealed


def test_the_same_phone_sealed_twice_looks_different_each_time():
    assert ring().seal(PHONE, COLUMN) != ring().seal(PHONE, COLUMN)


@pytest.mark.parametrize("index", [0, 12, 20, -1])  # the nonce, the ciphertext, its middle, the tag
def test_one_changed_byte_fails_loudly_instead_of_reading_as_another_number(index):
    sealed = ring().seal(PHONE, COLUMN)
    with pytest.raises(InvalidTag):
        ring().open(flip_one_byte(sealed, index), COLUMN)


def test_a_ciphertext_moved_to_another_column_does_not_open_there():
    sealed = ring().seal(PHONE, COLUMN)
    with pytest.raises(InvalidTag):
        ring().open(sealed, "members.phone")


def test_a_changed_key_id_does_not_open_either():
    both = ring(1, 2)
    sealed = both.seal(PHONE, COLUMN)
    with pytest.raises(InvalidTag):
        both.open(sealed.replace("v1:2:", "v1:1:", 1), COLUMN)


def test_the_newest_key_seals_and_every_key_of_the_ring_still_opens():
    old = ring(1).seal(PHONE, COLUMN)
    rotated = ring(1, 2)
    assert key_id_of(rotated.seal(PHONE, COLUMN)) == 2
    assert rotated.open(old, COLUMN) == PHONE


def test_a_value_under_a_key_the_ring_lacks_or_in_clear_is_unreadable_not_guessed():
    with pytest.raises(UnreadableValue, match="key 2"):
        ring(1).open(ring(2).seal(PHONE, COLUMN), COLUMN)
    with pytest.raises(UnreadableValue):
        ring().open(PHONE, COLUMN)


def test_the_lookup_hash_is_keyed_and_the_same_for_the_same_phone():
    one, other = Keyring({1: b"k" * 16}, b"a" * 32), Keyring({1: b"k" * 16}, b"b" * 32)
    assert one.lookup_hash(PHONE) == one.lookup_hash(PHONE) != one.lookup_hash("+8613812345679")
    assert one.lookup_hash(PHONE) != other.lookup_hash(PHONE)
    assert len(one.lookup_hash(PHONE)) == 64


def test_keys_are_read_as_id_colon_base64_separated_by_commas():
    first, second = new_key(), new_key()
    assert parse_keys(f"1:{first}, 2:{second}") == {1: base64.b64decode(first), 2: base64.b64decode(second)}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "no encryption key"),
        ("abc", "<id>:<base64 key>"),
        ("1:not base64!", "base64"),
        (f"1:{new_key()},1:{new_key()}", "twice"),
    ],
)
def test_a_key_setting_that_cannot_be_used_says_what_is_wrong(text, reason):
    with pytest.raises(KeySettingError, match=reason):
        parse_keys(text)


def test_a_short_key_or_hash_key_is_refused():
    with pytest.raises(KeySettingError, match="16 bytes"):
        Keyring({1: b"short"}, b"h" * 32)
    with pytest.raises(KeySettingError, match="hash key"):
        Keyring({1: b"k" * 16}, b"short")
