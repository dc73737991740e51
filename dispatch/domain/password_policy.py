"""What a password must be (等保 身份鉴别), and when its owner must change it.

A password is long enough, mixes enough of four character classes (lower-case letters, capitals, digits, anything
else: punctuation, spaces, Chinese characters) and does not contain the login name. Every reason a password fails is
returned at once, as a message code with its parameters, so the person fixes everything in one go.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

CLASS_COUNT = 4
# A login name shorter than this is not looked for inside a password: "li" would rule out half the dictionary.
SHORTEST_NAME_CHECKED = 3


@dataclass(frozen=True)
class PasswordRules:
    min_length: int = 10
    min_classes: int = 3
    history: int = 5  # a new password may not be any of the last ``history`` (the current one included)
    max_age: timedelta | None = None  # None: passwords do not expire

    def __post_init__(self) -> None:
        if self.min_length < 1 or not 1 <= self.min_classes <= CLASS_COUNT or self.history < 1:
            raise ValueError("a password needs a length of at least 1, 1 to 4 classes and a history of at least 1")


@dataclass(frozen=True)
class Reason:
    """Why a password is refused: a message code and what the message says in numbers."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)


class ChangeDue(str, Enum):
    """Why a logged-in person must change their password before doing anything else."""

    FIRST_LOGIN = "first_login"  # an account someone else created, with a password someone else knows
    EXPIRED = "expired"


def character_classes(password: str) -> int:
    """How many of the four classes (lower, upper, digit, other) the password uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not (c.islower() or c.isupper() or c.isdigit()) for c in password),
        )
    )


def reasons_against(password: str, username: str, rules: PasswordRules) -> list[Reason]:
    """Every rule the password breaks; an empty list means it may be used."""
    reasons = []
    if len(password) < rules.min_length:
        reasons.append(Reason("password.too_short", {"min_length": rules.min_length}))
    if character_classes(password) < rules.min_classes:
        reasons.append(Reason("password.few_classes", {"min_classes": rules.min_classes}))
    if contains_name(password, username):
        reasons.append(Reason("password.contains_username"))
    return reasons


def contains_name(password: str, username: str) -> bool:
    name = username.strip().casefold()
    return len(name) >= SHORTEST_NAME_CHECKED and name in password.casefold()


def change_due(must_change: bool, changed_at: datetime | None, now: datetime, rules: PasswordRules) -> ChangeDue | None:
    """Whether the password must be changed now, and why: a first login comes before an expiry."""
    if must_change:
        return ChangeDue.FIRST_LOGIN
    if rules.max_age is not None and changed_at is not None and now - changed_at >= rules.max_age:
        return ChangeDue.EXPIRED
    return None
