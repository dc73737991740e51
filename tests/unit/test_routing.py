"""Row ids in URLs: the converter's pattern matches exactly the ids a PostgreSQL integer column can hold."""

from __future__ import annotations

import random
import re

import pytest

from dispatch.routing import numbers_up_to
from dispatch.schemas.common import ROW_ID_MAX


@pytest.mark.parametrize("limit", [1, 7, 9, 10, 57, 100, 101, 999, 1000, 4096])
def test_the_pattern_matches_one_to_the_limit_and_nothing_else(limit):
    pattern = re.compile(numbers_up_to(limit))
    assert [n for n in range(0, limit * 11 + 2) if pattern.fullmatch(str(n))] == list(range(1, limit + 1))


def test_the_row_id_pattern_stops_at_the_largest_postgresql_integer():
    pattern = re.compile(numbers_up_to(ROW_ID_MAX))
    rng = random.Random(12)
    inside = [1, 9, 10, 2_000_000_000, 2_147_483_639, ROW_ID_MAX, *(rng.randint(1, ROW_ID_MAX) for _ in range(2000))]
    outside = [0, ROW_ID_MAX + 1, 2_147_483_650, 2_150_000_000, 9_999_999_999, 10**10, 10**40]
    assert all(pattern.fullmatch(str(n)) for n in inside)
    assert not any(pattern.fullmatch(str(n)) for n in outside)


@pytest.mark.parametrize("written", ["007", "0", "-1", "1.0", "１２", "٣"])
def test_leading_zeros_signs_and_other_digits_are_no_row_id(written):
    assert not re.fullmatch(numbers_up_to(ROW_ID_MAX), written)
