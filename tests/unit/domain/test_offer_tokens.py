"""The one-tap link's token: short enough for an SMS, letters and digits only, and no one without the key can make
or change one."""

from __future__ import annotations

import re

import pytest

from dispatch.domain.offer_tokens import ALPHABET, MAX_LENGTH, assignment_of, token_for

KEY = b"k" * 32
IDS = (1, 61, 62, 4_096, 2_147_483_647, 62**8 - 1)


@pytest.mark.parametrize("assignment_id", IDS)
def test_a_token_names_its_offer_and_fits_an_sms(assignment_id):
    token = token_for(assignment_id, KEY)
    assert assignment_of(token, KEY) == assignment_id
    assert len(token) <= MAX_LENGTH == 22
    assert re.fullmatch(r"[0-9A-Za-z]+", token)  # nothing a messenger takes for the end of a link


@pytest.mark.parametrize("assignment_id", (1, 4_096, 2_147_483_647))
def test_changing_any_one_character_makes_it_no_token(assignment_id):
    token = token_for(assignment_id, KEY)
    for at, was in enumerate(token):
        for other in ALPHABET:
            if other != was:
                assert assignment_of(token[:at] + other + token[at + 1 :], KEY) is None, (at, other)


def test_a_cut_lengthened_or_padded_token_is_no_token():
    token = token_for(4_096, KEY)
    mac, named = token[:14], token[14:]
    for tampered in (token[:-1], token[1:], token + "0", token + "=", mac + "0" + named, token.lower(), token.upper(), "", "/"):
        if tampered != token:
            assert assignment_of(tampered, KEY) is None, tampered


def test_another_key_neither_reads_nor_makes_tokens():
    token = token_for(4_096, KEY)
    assert assignment_of(token, b"another key") is None
    assert token_for(4_096, b"another key") != token


def test_the_token_of_another_offer_does_not_open_this_one():
    assert assignment_of(token_for(7, KEY), KEY) == 7
    assert token_for(7, KEY)[:14] != token_for(8, KEY)[:14]  # the MAC differs, not just the id


@pytest.mark.parametrize("assignment_id", (0, -1, 62**8))
def test_no_token_for_an_id_no_offer_has_or_that_would_not_fit(assignment_id):
    with pytest.raises(ValueError):
        token_for(assignment_id, KEY)
