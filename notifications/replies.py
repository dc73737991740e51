"""Reading a leader's SMS answer to an offer: accept with a head count, or decline with a reason.

A reply is an action, the offer's short code, then a head count (accept) or a reason (decline)::

    1 A7KM 5        接受 A7KM 5      同意 A7KM 5      Y A7KM 5      YES A7KM 5      accept A7KM 5
    2 A7KM 人手不够  拒绝 A7KM 人手不够  N A7KM        NO A7KM       decline A7KM too far

The rules, loose where phones and habits differ and strict where a misreading would send the wrong people:

- The text is NFKC-normalized first, so full-width digits, letters, spaces, commas and colons (１, Ａ, U+3000, ，,
  ：) read as their ASCII forms. Leading and trailing space, and quotes around the whole reply (copied from the
  offer SMS), are ignored.
- Separators are any run of spaces, commas, colons and the Chinese enumeration comma 、.
- Actions are case-insensitive. A Latin or digit action (``1``, ``Y``, ``accept``) needs a separator before the
  code, so ``1A7KM`` is not read as ``1 A7KM``; a Chinese action may touch the code (``接受A7KM``), since the
  change of script already separates them.
- The code is ``CODE_LENGTH`` characters of ``CODE_ALPHABET``, in either case. Look-alikes are not guessed (an O
  is not taken for a D or a 0): a wrong code must fail here, not answer someone else's offer.
- An accept's head count may touch the code (``1 A7KM5``), may end in 人, 名 or 位, and must be 1 to
  ``MAX_HEAD_COUNT``; without one, ``head_count`` is None and the caller decides. Anything else after the code
  of an accept is an error, never ignored. Closing punctuation (。 . ! ?) is allowed.
- A decline's reason is the rest of the text after the code, up to ``MAX_REASON`` characters (longer ones are
  cut); it may be empty, and may touch the code when it does not start with a letter or digit (``2 A7KM人手不够``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import Enum

# Must match dispatch/services/dispatch/offers.py, which draws the codes; kept apart so this module stays pure.
CODE_ALPHABET = "ACDEFHJKMNPRTUVWXY3479"
CODE_LENGTH = 4
MAX_HEAD_COUNT = 1000
MAX_REASON = 200

ACCEPT_WORDS = ("1", "Y", "YES", "ACCEPT", "接受", "同意")
DECLINE_WORDS = ("2", "N", "NO", "DECLINE", "拒绝")
SEPARATORS = " ,:、"


class ReplyAction(str, Enum):
    ACCEPT = "accept"
    DECLINE = "decline"


class ReplyErrorCode(str, Enum):
    EMPTY = "reply.empty"
    NO_ACTION = "reply.no_action"
    NO_CODE = "reply.no_code"
    BAD_CODE = "reply.bad_code"
    BAD_HEAD_COUNT = "reply.bad_head_count"


@dataclass(frozen=True)
class Reply:
    action: ReplyAction
    code: str
    head_count: int | None = None
    reason: str = ""


@dataclass(frozen=True)
class ReplyError:
    """Why a reply could not be read, the part of it (normalized) that was wrong, and the offer's code when the
    reply got as far as naming one."""

    code: ReplyErrorCode
    text: str
    offer_code: str = ""


_SEP = rf"[\s{re.escape(SEPARATORS)}]"
_ACTION = re.compile(
    r"(?P<latin>1|2|yes|y|no|n|accept|decline)(?=" + _SEP + r"|$)|(?P<han>接受|同意|拒绝)",
    re.IGNORECASE,
)
_SEPARATORS = re.compile(_SEP + "*")
_CODE_RUN = re.compile(r"[A-Za-z0-9]+")
_HEAD_COUNT = re.compile(r"([0-9]{1,7})\s*[人名位]?")
_OPENING_QUOTES, _CLOSING_QUOTES = "\"'“‘「", "\"'”’」"
_CLOSING_PUNCTUATION = "。.!?" + SEPARATORS


_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}  # controls, format (U+202E, U+200B), lone surrogates, private, unassigned


def parse_reply(text: str) -> Reply | ReplyError:
    """Read an SMS reply as an accept or a decline of one offer, or say what is wrong with it."""
    text = _normalized(text)
    if not text:
        return ReplyError(ReplyErrorCode.EMPTY, "")
    action = _ACTION.match(text)
    if action is None:
        return ReplyError(ReplyErrorCode.NO_ACTION, re.split(_SEP, text, maxsplit=1)[0])
    kind = ReplyAction.ACCEPT if action.group().upper() in ACCEPT_WORDS else ReplyAction.DECLINE
    rest = _after_separators(text[action.end() :])
    run = _CODE_RUN.match(rest)
    if run is None:
        return ReplyError(ReplyErrorCode.NO_CODE, text)
    code, rest = _split_code(run.group(), rest[run.end() :], kind)
    if not is_code(code):
        return ReplyError(ReplyErrorCode.BAD_CODE, code)
    if kind is ReplyAction.DECLINE:
        return Reply(kind, code.upper(), None, _after_separators(rest)[:MAX_REASON].rstrip())
    return _accept(code.upper(), _after_separators(rest).rstrip(_CLOSING_PUNCTUATION))


def is_code(text: str) -> bool:
    """Whether the text is a well-formed short code, in either case."""
    return len(text) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in text.upper())


def _normalized(text: str) -> str:
    """NFKC, without the characters that only steer or hide text (controls, direction overrides, zero widths)."""
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in _INVISIBLE)
    text = unicodedata.normalize("NFKC", text).strip()
    if text[:1] in _OPENING_QUOTES:
        text = text[1:].rstrip()
        text = text[:-1] if text[-1:] in _CLOSING_QUOTES else text
    return text.strip()


def _after_separators(text: str) -> str:
    return text[_SEPARATORS.match(text).end() :]


def _split_code(run: str, after: str, kind: ReplyAction) -> tuple[str, str]:
    """The code and what follows it; an accept's head count may be written straight after the code."""
    if kind is ReplyAction.ACCEPT and len(run) > CODE_LENGTH and run[CODE_LENGTH:].isdigit():
        return run[:CODE_LENGTH], run[CODE_LENGTH:] + after
    return run, after


def _accept(code: str, count_text: str) -> Reply | ReplyError:
    if not count_text:
        return Reply(ReplyAction.ACCEPT, code)
    count = _HEAD_COUNT.fullmatch(count_text)
    if count is None or not 1 <= int(count.group(1)) <= MAX_HEAD_COUNT:
        return ReplyError(ReplyErrorCode.BAD_HEAD_COUNT, count_text, code)
    return Reply(ReplyAction.ACCEPT, code, int(count.group(1)))
