"""One page of a scoped, filtered query, and how many rows match in all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.schemas.common import PageQuery


def page_of(model: Any, where: list, order_by: Any, query: PageQuery, options: tuple = ()) -> tuple[list[Any], int]:
    """The rows of ``model`` matching every clause of ``where`` on the requested page, and the total that match.

    Rows that tie on ``order_by`` follow their id, so paging through shows each row exactly once. A page past the
    last is empty without asking the database, whose offset would overflow for a page number typed large enough."""
    total = db.session.scalar(select(func.count(model.id)).where(*where)) or 0
    offset = (query.page - 1) * query.per_page
    if offset >= total:
        return [], total
    statement = select(model).where(*where).options(*options).order_by(order_by, model.id)
    return list(db.session.scalars(statement.limit(query.per_page).offset(offset))), total
