"""Two factors for the staff who can send people out at night (等保 level 3 asks for two kinds of authentication).

Administrators and duty officers prove a password and a time-based one-time code (TOTP, RFC 6238: an app on their
phone shows six digits that change every 30 seconds); a code is good once. Leaders keep one factor (an SMS code or
a password): they answer offers, they do not post them. One-time recovery codes stand in for a lost phone.
"""

from __future__ import annotations

import secrets
import unicodedata
from enum import Enum

import pyotp

from dispatch.domain.scope import Role

STAFF = frozenset({Role.ADMIN, Role.DUTY_OFFICER})
STEP_S = 30
DRIFT_STEPS = 1  # a code from the step before or after is still accepted (a phone's clock a little off)
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


class SecondFactor(str, Enum):
    NONE = "none"  # one factor is enough for this person
    CODE = "code"  # enrolled: asks the code from the app
    ENROL = "enrol"  # required but not enrolled yet: enrols before going on


def second_factor(role: Role, required: bool, enrolled: bool) -> SecondFactor:
    """What a person must do after the password. Whoever enrolled is asked every time, required or not."""
    if enrolled:
        return SecondFactor.CODE
    if required and role in STAFF:
        return SecondFactor.ENROL
    return SecondFactor.NONE


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, as RFC 4226 recommends


def enrolment_uri(secret: str, account: str, issuer: str) -> str:
    """What the QR code holds: authenticator apps read the account name, the issuer and the secret from it."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def accepted_step(secret: str, code: str, now: float, last_step: int | None) -> int | None:
    """The time step the code belongs to, if it is right and newer than the last one used; else None."""
    digits = "".join(unicodedata.normalize("NFKC", code).split())  # full-width digits from a Chinese keyboard too
    if len(digits) != 6 or not (digits.isascii() and digits.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    current = int(now // STEP_S)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if (last_step is None or step > last_step) and secrets.compare_digest(totp.at(step * STEP_S), digits):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of ten letters and digits (about 49 bits each), written as two groups of five."""
    codes = []
    for _ in range(RECOVERY_CODES):
        letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{letters[:5]}-{letters[5:]}")
    return codes


def normal_recovery_code(text: str) -> str:
    """As typed, however spaced, dashed or capitalised."""
    letters = "".join(c for c in unicodedata.normalize("NFKC", text).lower() if c.isascii() and c.isalnum())
    return f"{letters[:5]}-{letters[5:]}" if len(letters) == 10 else ""
