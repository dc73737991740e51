"""Text no database can store (NUL, an unpaired surrogate) refused at the door, wherever a request carries it: its
path, its query string, its form fields. The API's JSON bodies are checked by their schemas (``Strict``); this
covers the pages, the Twilio webhooks and every path parameter, which no schema reads."""

from __future__ import annotations

from flask import request

from dispatch.schemas.common import storable
from dispatch.services.errors import FieldError, InvalidInput


def refuse_unstorable_text() -> None:
    """``before_request``: a 422 naming where the text was; nothing reads the request further."""
    wrong = [FieldError(where, "text.unstorable") for where in _unstorable_places()]
    if wrong:
        raise InvalidInput(wrong)


def _unstorable_places() -> list[str]:
    places = [] if storable(request.path) else ["path"]
    places += [_name(name) for name, values in request.args.lists() if not storable([name, *values])]
    if request.mimetype in FORMS:
        places += [_name(name) for name, values in request.form.lists() if not storable([name, *values])]
    return places


def _name(name: str) -> str:
    return name if storable(name) else "query"


FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")
