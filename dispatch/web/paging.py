"""Paged lists on pages: the page asked for in the query string, how many pages there are, and a page past the last
one answered with the last (the list shrank under the reader, or someone typed a number)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from flask import redirect, request, url_for
from werkzeug.wrappers import Response

from dispatch.schemas.common import PageQuery
from dispatch.web.forms import parsed

Q = TypeVar("Q", bound=PageQuery)


def page_count(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def list_query(model: type[Q], per_page: int | None = None, ignore: tuple[str, ...] = (), **fixed: Any) -> Q:
    """The query string as ``model``, with this page's own page size unless the reader chose one; ``fixed`` fields
    replace what the query string says, ``ignore`` names parameters the page reads itself. Bad values are a 422
    page naming them."""
    fields: dict[str, Any] = {} if per_page is None else {"per_page": per_page}
    asked = {key: value for key, value in request.args.to_dict().items() if key not in ignore}
    return parsed(model, {**fields, **asked, **fixed})


def past_the_end(query: PageQuery, total: int) -> Response | None:
    """A redirect to the last page when ``query`` asks for a page after it; None when the page exists."""
    pages = page_count(total, query.per_page)
    if query.page <= pages:
        return None
    arguments: Mapping[str, Any] = {**(request.view_args or {}), **request.args.to_dict(), "page": pages}
    return redirect(url_for(request.endpoint, **arguments))


def pager(query: PageQuery, total: int) -> dict[str, Any]:
    """What ``_pager.html`` and a list's heading need."""
    return {"query": query, "total": total, "pages": page_count(total, query.per_page)}
