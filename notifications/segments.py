"""How many SMS segments a text costs: each one is billed, and a long offer arrives in pieces.

A text goes out in GSM-7 when every character is in the GSM 03.38 default alphabet or its extension table,
otherwise in UCS-2 (in practice UTF-16, which is what Chinese needs).

- GSM-7 counts septets: one per default-alphabet character, two per extension character (``€ [ ] { } ^ ~ \\ |``
  and form feed), which travel as an escape plus the character. One segment holds 160 septets; a longer text is
  split into segments of 153, the other 7 carrying the header that joins them.
- UCS-2 counts UTF-16 code units: one per character in the Basic Multilingual Plane, two for anything beyond it
  (most emoji). One segment holds 70 units; a longer text is split into segments of 67.

An escape pair or a surrogate pair is never split between two segments, so when one would straddle the boundary
it moves whole to the next segment and the counting stays conservative: it may say one segment more than a
splitting phone would send, never one fewer. An empty text still goes out as one segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Encoding(str, Enum):
    GSM7 = "GSM-7"
    UCS2 = "UCS-2"


# GSM 03.38 default alphabet, in code-point order 0x00..0x7F; 0x1B is the escape to the extension table, not a character.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
) - {"\x1b"}
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

# (characters in a single segment, characters per segment of a longer text)
_LIMITS = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


@dataclass(frozen=True)
class SmsSize:
    """What a text costs: its encoding, its length in that encoding's units, and the segments it is sent in."""

    encoding: Encoding
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def encoding(text: str) -> Encoding:
    """GSM-7 when every character is in the GSM 03.38 alphabet or its extension table, else UCS-2."""
    return Encoding.GSM7 if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text) else Encoding.UCS2


def segments(text: str) -> int:
    """How many segments the text is sent in (see the module docstring for the rules)."""
    return describe(text).segments


def describe(text: str) -> SmsSize:
    """The text's encoding, length in units and segment count."""
    chosen = encoding(text)
    widths = [_width(ch, chosen) for ch in text]
    single, per_segment = _LIMITS[chosen]
    units = sum(widths)
    return SmsSize(chosen, units, 1 if units <= single else _packed(widths, per_segment))


def single_segment_limit(chosen: Encoding) -> int:
    """The most units a text in this encoding can have and still go out as one segment."""
    return _LIMITS[chosen][0]


def _width(ch: str, chosen: Encoding) -> int:
    if chosen is Encoding.GSM7:
        return 2 if ch in _GSM_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def _packed(widths: list[int], per_segment: int) -> int:
    """Segments needed when each character's units must stay together in one segment."""
    count, free = 1, per_segment
    for width in widths:
        if width > free:
            count, free = count + 1, per_segment
        free -= width
    return count
