"""``@audited(action)``: a route whose use is a security event (an import, an export of personal data, a
publication, a decision) leaves a record in the audit trail, whether it succeeds or is refused for bad input.

Put it right above the view function, under the route and validation decorators. Refusals for scope and role
are recorded by the error handlers; this records what the view itself did.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import make_response, request

from dispatch.extensions import db
from dispatch.services import audit
from dispatch.services.errors import InvalidInput


def audited(action: str, object_type: str = "") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # The record's object: the record the path names (its id), else the path itself.
            object_id = next(iter(request.view_args.values()), request.path) if request.view_args else request.path
            detail = {"path": request.path, "method": request.method}
            try:
                response = make_response(view(*args, **kwargs))
            except InvalidInput as exc:
                db.session.rollback()  # nothing of a refused request is kept, and its locks go before the record
                audit.record(action, "failed", object_type=object_type, object_id=object_id,
                             detail={**detail, "errors": len(exc.errors)})  # fmt: skip
                raise
            result = "ok" if response.status_code < 400 else "failed"
            audit.record(action, result, object_type=object_type, object_id=object_id,
                         detail={**detail, "status": response.status_code})  # fmt: skip
            return response

        return wrapper

    return decorate
