"""Phone numbers: stored in E.164, shown masked to those who do not need them."""

from __future__ import annotations

import pytest

from dispatch.domain.phone import InvalidPhone, mask, readable, to_e164


@pytest.mark.parametrize("typed", ["13812345678", "138 1234 5678", "+86 138-1234-5678", "+8613812345678"])
def test_the_ways_people_type_a_mobile_number(typed):
    assert to_e164(typed) == "+8613812345678"


@pytest.mark.parametrize(("typed", "reason"), [("hello", "unparseable"), ("12345", "invalid"), ("0571-87654321", "not_mobile")])
def test_bad_numbers_say_why(typed, reason):
    with pytest.raises(InvalidPhone) as caught:
        to_e164(typed)
    assert caught.value.reason == reason


def test_a_landline_is_accepted_where_a_mobile_is_not_required():
    assert to_e164("0571-87654321", mobile=False) == "+8657187654321"


def test_masking_hides_the_middle_four_digits():
    assert mask("+8613812345678") == "138****5678"
    assert mask(None) == "" and mask("+861") == "*"


def test_numbers_read_in_groups_of_three_four_four():
    assert readable("+8613812345678") == "138 1234 5678"
    assert readable("+8657187654321") == "+8657187654321" and readable(None) == ""
