"""URL converters: every ``<int:…>`` in a route is a row id, so it is bounded as one."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

from dispatch.schemas.common import ROW_ID_MAX


def numbers_up_to(limit: int) -> str:
    """A regular expression matching exactly the numbers 1 to ``limit``, written without leading zeros."""
    text = str(limit)
    shorter = [f"[1-9][0-9]{{0,{len(text) - 2}}}"] if len(text) > 1 else []
    same_length = [
        f"{text[:place]}[{low}-{int(digit) - 1}][0-9]{{{len(text) - place - 1}}}"
        for place, digit in enumerate(text)
        if int(digit) > (low := 1 if place == 0 else 0)
    ]
    return f"(?:{'|'.join([*shorter, *same_length, text])})"


class RowIdConverter(IntegerConverter):
    """``<int:…>`` from 1 to ROW_ID_MAX: any other number matches no route (404) and never reaches the database.

    The bound is in the regular expression, not only in ``to_python``: Werkzeug checks a rule's methods before its
    converters, so a number refused there would make ``GET`` on a route that also takes ``POST`` a 405.
    """

    regex = numbers_up_to(ROW_ID_MAX)

    def __init__(self, url_map: Map, fixed_digits: int = 0, min: int = 1, max: int = ROW_ID_MAX, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)
