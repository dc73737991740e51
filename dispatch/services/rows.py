"""Writing a new object's row in one statement, past the unit of work: for the few hot paths where its
bookkeeping (dependency sorting, attribute history, post-fetch) costs more than the statement itself.

The object is built as usual, with its relationships set as loaded (``set_committed_value``, so no backref or
cascade fires); its Python-side column defaults are applied to it, so what it holds is what the row holds.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from sqlalchemy import Insert, insert, inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.extensions import db
from dispatch.models.types import EncryptedText


def values_with_defaults(obj: Any, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A new object's column values by column name, but those in ``leave_out``. Where it has none and the column a
    Python-side default, that default; every value is set on the object as loaded (the row will hold just these)."""
    state, values = obj.__dict__, {}  # a new object's unset columns are None: no need to ask the ORM
    for key, name, default, _seal in _columns(type(obj), leave_out):
        value = state.get(key)
        if value is None and default is not None:
            value = _default_of(default)
        if value is None or key not in state:  # as the row will hold it, not a change to write: read later, an
            set_committed_value(obj, key, value)  # unset column costs no query
        values[name] = value
    return values


def sealed_row(model: type, obj: Any, leave_out: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A new row of ``model`` for a statement that bypasses the column types (JSON for ``jsonb_to_recordset``), from an
    object that never joins the session (a new mapped object, or plain values under the columns' attribute names):
    Python-side defaults applied, and kept on the object as plain values (no bookkeeping: nothing of it is ever
    flushed); personal data as its column stores it."""
    state, values = obj.__dict__, {}
    for key, name, default, seal in _columns(model, leave_out):
        value = state.get(key)
        if value is None and default is not None:
            value = state[key] = _default_of(default)
        values[name] = value if seal is None else seal(value, None)
    return values


def _default_of(default: Any) -> Any:
    """A column's Python-side default, worked out for a new row (called when it is a function)."""
    return default.arg(None) if default.is_callable else default.arg


@cache
def _columns(model: type, leave_out: frozenset[str]) -> tuple[tuple[str, str, Any, Callable | None], ...]:
    """(attribute, column name, Python-side default, sealing) of each of the model's columns, worked out once."""
    return tuple(
        (c.key, c.name, c.default, c.type.process_bind_param if isinstance(c.type, EncryptedText) else None)
        for c in model.__table__.columns
        if c.name not in leave_out
    )


def insert_as_loaded(obj: Any) -> None:
    """Insert the new object's row (its id from the database) and put it in the session as though just loaded."""
    model = type(obj)
    values = values_with_defaults(obj, frozenset({inspect(model).primary_key[0].name}))
    inserted = db.session.connection().execute(_insert_returning_id(model), values)  # a plain row: past the session
    attach_inserted(obj, inserted.scalar_one())


def attach_inserted(obj: Any, new_id: int) -> None:
    """Put a new object whose row was just inserted (by a statement of the caller's, from ``values_with_defaults``)
    in the session as though just loaded, with its id."""
    setattr(obj, inspect(type(obj)).primary_key[0].key, new_id)
    make_transient_to_detached(obj)
    db.session.add(obj)


def attached_as_loaded(model: type, **values: Any) -> Any:
    """The object of a row this process already knows (its id and these columns, from a per-process cache), in the
    session without a query; its other columns load when first read, as ``load_only``'s do. The session's own object
    when it has one."""
    found = db.session.identity_map.get(db.session.identity_key(model, values["id"]))
    if found is not None:
        return found
    obj = model(**values)
    make_transient_to_detached(obj)
    db.session.add(obj)
    return obj


@cache
def _insert_returning_id(model: type) -> Insert:
    return insert(model).returning(inspect(model).primary_key[0])
