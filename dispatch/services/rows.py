"""Writing a new object's row in one statement, past the unit of work: for the few hot paths where its
bookkeeping (dependency sorting, attribute history, post-fetch) costs more than the statement itself.

The object is built as usual, with its relationships set as loaded (``set_committed_value``, so no backref or
cascade fires); its Python-side column defaults are applied to it, so what it holds is what the row holds.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Column, Insert, insert, inspect
from sqlalchemy.orm import make_transient_to_detached

from dispatch.extensions import db


def value_with_default(obj: Any, column: Column) -> Any:
    """The object's value for ``column``; when it has none and the column a Python-side default, that default, now
    set on the object too."""
    value = getattr(obj, column.key)
    if value is None and column.default is not None:
        value = column.default.arg(None) if column.default.is_callable else column.default.arg
        setattr(obj, column.key, value)
    return value


def insert_as_loaded(obj: Any) -> None:
    """Insert the new object's row (its id from the database) and put it in the session as though just loaded."""
    model = type(obj)
    primary_key = inspect(model).primary_key[0]
    values = {c.key: value_with_default(obj, c) for c in model.__table__.columns if c is not primary_key}
    inserted = db.session.connection().execute(_insert_returning_id(model), values)  # a plain row: past the session
    setattr(obj, primary_key.key, inserted.scalar_one())
    make_transient_to_detached(obj)
    db.session.add(obj)


@cache
def _insert_returning_id(model: type) -> Insert:
    return insert(model).returning(inspect(model).primary_key[0])
