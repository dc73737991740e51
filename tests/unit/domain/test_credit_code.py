"""Unified social credit codes (GB 32100-2015)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.domain.credit_code import ALPHABET, InvalidCreditCode, is_valid_credit_code, make_credit_code, normalize_credit_code

# Published example codes (each with a correct check character).
KNOWN_GOOD = ["91350100M000100Y43", "91110000600037341L", "51330106MJ9876543F"]


@pytest.mark.parametrize("code", KNOWN_GOOD)
def test_known_codes_are_valid(code):
    assert is_valid_credit_code(code)


def test_lower_case_and_spaces_are_normalized():
    assert normalize_credit_code(" 91350100m000100y43 ") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("91350100M000100Y4", "length"),
        ("91350100M000100Y433", "length"),
        ("91350100M000100I43", "characters"),
        ("9135A100M000100Y43", "division"),
        ("91350100M000100Y44", "check_digit"),
    ],
)
def test_bad_codes_say_why(text, reason):
    with pytest.raises(InvalidCreditCode) as caught:
        normalize_credit_code(text)
    assert caught.value.reason == reason


body = st.text(alphabet=ALPHABET, min_size=9, max_size=9)


@given(body, st.sampled_from("123456789"))
def test_any_single_character_change_is_caught(serial, replacement):
    code = make_credit_code("5", "1", "330106", serial)
    position = 10
    changed = code[:position] + (replacement if code[position] != replacement else "0") + code[position + 1 :]
    assert is_valid_credit_code(code) and not is_valid_credit_code(changed)
