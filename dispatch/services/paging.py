"""One page of a scoped, filtered query, and how many rows match in all."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.schemas.common import PageQuery


def page_of(model: Any, where: list, order_by: Any, query: PageQuery, options: tuple = ()) -> tuple[list[Any], int]:
    """The rows of ``model`` matching every clause of ``where`` on the requested page, and the total that match."""
    total = db.session.scalar(select(func.count(model.id)).where(*where)) or 0
    statement = select(model).where(*where).options(*options).order_by(order_by)
    rows = db.session.scalars(statement.limit(query.per_page).offset((query.page - 1) * query.per_page))
    return list(rows), total
