"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters from a 31-character alphabet (digits and capitals without I, O, Z, S, V):
registration authority (1), organization type (1), administrative division (6 digits),
organization code (9, itself with a GB 11714 check character) and a final check character.
"""

from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
LENGTH = 18


class InvalidCreditCode(ValueError):
    """The text is not a valid unified social credit code; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_character(first17: str) -> str:
    """Return the check character that completes the first 17 characters of a code."""
    total = sum(ALPHABET.index(ch) * weight for ch, weight in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(text: str) -> str:
    """Return the code upper-cased and stripped, or raise InvalidCreditCode.

    Reasons: ``length`` (not 18 characters), ``characters`` (a letter outside the
    alphabet, such as I, O, Z, S or V), ``division`` (characters 3–8 are not digits),
    ``check_digit`` (the last character does not match).
    """
    code = text.strip().upper()
    if len(code) != LENGTH:
        raise InvalidCreditCode("length")
    if any(ch not in ALPHABET for ch in code):
        raise InvalidCreditCode("characters")
    if not code[2:8].isdigit():
        raise InvalidCreditCode("division")
    if check_character(code[:17]) != code[17]:
        raise InvalidCreditCode("check_digit")
    return code


def is_valid_credit_code(text: str) -> bool:
    try:
        normalize_credit_code(text)
    except InvalidCreditCode:
        return False
    return True


def make_credit_code(authority: str, kind: str, division: str, serial: str) -> str:
    """Compose a valid code from its parts (used to build demo and synthetic data).

    ``serial`` is the 9-character organization code body including its own check.
    """
    body = f"{authority}{kind}{division}{serial}"
    return body + check_character(body)
