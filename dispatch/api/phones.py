"""Full phone numbers in the API are a deliberate request (``?phones=full``), recorded in the security audit; every
answer masks them otherwise (138****1234), as the pages do."""

from __future__ import annotations

from flask import request

from dispatch.schemas.common import PhonesQuery
from dispatch.services import audit


def revealed(query: PhonesQuery | None) -> bool:
    """Whether this request asked for numbers in full; the asking is recorded (who may see which the presenters say)."""
    if query is None or query.phones != "full":
        return False
    audit.record("phone.revealed", object_type="api", object_id=request.path)
    return True
