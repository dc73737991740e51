"""Early warnings (预警): entered by an officer (or read from a CAP file, ``cap_warnings``), each mapped to the county's
grid cells; lifted, ended, listed.

A warning is in force from its effective time until it expires or is lifted: nothing needs to run for it to end, but
its end is a moment of the log (``warning.ended``, reason lifted, cancelled or expired), written once: a lift or a
cancel writes it at once, and the sweeper (``end_expired``) finds the warnings past their validity whose end is not
written yet, after any restart. An officer's warning sent with an ``Idempotency-Key`` is entered once, however often
it is sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import and_, not_, select, update
from sqlalchemy.exc import IntegrityError

from dispatch.domain.incidents import IncidentCategory
from dispatch.domain.plans.warning_types import COLOUR_LEVEL, WarningColour, WarningKind
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Community, EarlyWarning, GridCell
from dispatch.models.warnings import warning_cells
from dispatch.schemas.warnings import WarningQuery
from dispatch.services import events
from dispatch.services.errors import Conflict, FieldError, InvalidInput
from dispatch.services.paging import page_of
from dispatch.services.plans import standby
from dispatch.services.plans.standby import subdistricts_of
from dispatch.services.registry.geography import places
from geo.cells import Cell

log = logging.getLogger(__name__)

KEPT_AFTER_EXPIRY = timedelta(days=7)  # how long an ended warning stays on the list


def issue_warning(
    actor: Actor,
    kind: WarningKind,
    colour: WarningColour,
    headline: str,
    hours: float,
    subdistrict_ids: list[int],
    ask_all_with_skills: bool = False,
    idempotency_key: str | None = None,
) -> tuple[EarlyWarning, bool]:
    """An officer's warning (read out on the radio, say): an administrator's over the chosen subdistricts of the
    county (all when none), a subdistrict officer's over their own subdistrict. Returns (warning, created): the same
    ``idempotency_key`` from the same user returns the warning it first entered and asks no one again; sent with
    another request it is refused."""
    require(actor, Action.CREATE, Resource.WARNING)
    asked = {"kind": kind.value, "colour": colour.value, "headline": headline, "hours": hours}
    asked |= {"subdistrict_ids": sorted(subdistrict_ids), "ask_all_with_skills": ask_all_with_skills}
    digest = hashlib.sha256(json.dumps(asked, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    if (earlier := _entered_before(actor, idempotency_key, digest)) is not None:
        return earlier, False
    cells = _officer_cells(actor, subdistrict_ids)
    now = datetime.now(UTC)
    warning = EarlyWarning(
        county_id=actor.county_id, kind=kind.value, colour=colour.value, category=IncidentCategory.NATURAL_DISASTER,
        level=COLOUR_LEVEL[colour], headline=headline, source="officer", effective_at=now,
        expires_at=now + timedelta(hours=hours), created_by=actor.user_id, updated_at=now, cells=cell_rows(cells),
        idempotency_key=idempotency_key or None, request_digest=digest if idempotency_key else None,
    )  # fmt: skip
    db.session.add(warning)
    try:
        db.session.flush()
    except IntegrityError:  # the key's first request (a double click racing this one) entered it: that one wins
        events.rollback()
        if (earlier := _entered_before(actor, idempotency_key, digest)) is None:
            raise
        return earlier, False
    record_warning("warning.issued", warning, actor.user_id)
    standby.ask(warning, actor.user_id, ask_all_with_skills)
    events.commit()
    return warning, True


def _officer_cells(actor: Actor, subdistrict_ids: list[int]) -> list[Cell]:
    if actor.role is Role.DUTY_OFFICER:
        subdistrict_ids = subdistrict_ids or [actor.subdistrict_id]
        if set(subdistrict_ids) != {actor.subdistrict_id}:
            raise InvalidInput([FieldError("subdistrict_ids", "warning.own_subdistrict")])
    cells = [
        c
        for c in places().cells
        if c.county_id == actor.county_id and (not subdistrict_ids or c.subdistrict_id in subdistrict_ids)
    ]
    missing = set(subdistrict_ids) - {c.subdistrict_id for c in cells}
    if missing or not cells:
        unknown = "、".join(str(subdistrict_id) for subdistrict_id in sorted(missing))
        raise InvalidInput([FieldError("subdistrict_ids", "warning.unknown_subdistricts", {"value": unknown})])
    return cells


def _entered_before(actor: Actor, key: str | None, digest: str) -> EarlyWarning | None:
    """The warning the user's key first entered, if any; the key sent with another request is refused."""
    if not key:
        return None
    earlier = db.session.scalar(
        select(EarlyWarning).where(EarlyWarning.created_by == actor.user_id, EarlyWarning.idempotency_key == key)
    )
    if earlier is not None and earlier.request_digest != digest:
        raise InvalidInput([FieldError("idempotency_key", "idempotency_key.reused")])
    return earlier


def lift_warning(actor: Actor, warning_id: int) -> EarlyWarning:
    """End a warning before it expires (the danger has passed); one lifted, cancelled or expired already is refused
    (Conflict): nothing is lifted twice."""
    require(actor, Action.EDIT, Resource.WARNING)
    warning = get_warning(actor, warning_id)
    standby.require_owned(actor, warning)
    now = datetime.now(UTC)
    lifted = db.session.execute(
        update(EarlyWarning)
        .where(EarlyWarning.id == warning.id, EarlyWarning.lifted_at.is_(None), EarlyWarning.expires_at > now)
        .values(lifted_at=now, lifted_by=actor.user_id)
        .execution_options(synchronize_session="fetch")
    )  # guarded on the row: of two lifts at the same instant, one lifts it and the other is told it has ended
    if lifted.rowcount != 1:
        events.rollback()
        raise Conflict([FieldError("warning", "warning.already_ended")])
    record_warning("warning.lifted", warning, actor.user_id)
    end_warning(warning, "lifted", actor.user_id)
    events.commit()
    return warning


def end_expired(now: datetime | None = None) -> int:
    """The sweeper's step: write the end of every warning past its validity whose end is not written yet (after any
    restart too: the warnings' rows are the record). Returns how many ended."""
    now = now or datetime.now(UTC)
    due = db.session.scalars(
        select(EarlyWarning.id)
        .where(EarlyWarning.ended_at.is_(None), EarlyWarning.lifted_at.is_(None), EarlyWarning.expires_at <= now)
        .order_by(EarlyWarning.expires_at)
    ).all()
    db.session.commit()
    return sum(_expired_safely(warning_id) for warning_id in due)


def _expired_safely(warning_id: int) -> bool:
    """One warning's trouble must not hold up the others, nor the sweeper's other work: the next pass retries it."""
    try:
        warning = db.session.get(EarlyWarning, warning_id, populate_existing=True)
        ended = end_warning(warning, "expired", None)
        events.commit()
        return ended
    except Exception:
        events.rollback()
        log.exception("warning %s: could not write its end", warning_id)
        return False


def end_warning(warning: EarlyWarning, reason: str, actor_id: int | None) -> bool:
    """Mark the warning ended and write ``warning.ended``, in the caller's transaction: only the first of two
    sweepers, or of a sweeper and a lift, gets the row, so the end is written once."""
    statement = (
        update(EarlyWarning)
        .where(EarlyWarning.id == warning.id, EarlyWarning.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )
    if db.session.execute(statement.execution_options(synchronize_session="fetch")).rowcount != 1:
        return False
    record_warning("warning.ended", warning, actor_id, reason=reason)
    return True


def get_warning(actor: Actor, warning_id: int) -> EarlyWarning:
    return standby.find_warning(actor, warning_id)


def list_warnings(actor: Actor, query: WarningQuery) -> tuple[list[EarlyWarning], int]:
    """The warnings the actor sees (the county's; a subdistrict's officer those over their subdistrict) in force or
    ended within a week, the latest first, one page of them, and how many in all."""
    require(actor, Action.READ, Resource.WARNING)
    now = datetime.now(UTC)
    where = [EarlyWarning.county_id == actor.county_id, EarlyWarning.expires_at > now - KEPT_AFTER_EXPIRY]
    if actor.role is Role.DUTY_OFFICER:
        where.append(EarlyWarning.id.in_(_over_subdistrict(actor.subdistrict_id)))
    if query.in_force is not None:
        standing = and_(EarlyWarning.lifted_at.is_(None), EarlyWarning.effective_at <= now, EarlyWarning.expires_at > now)
        where.append(standing if query.in_force else not_(standing))
    return page_of(EarlyWarning, where, EarlyWarning.effective_at.desc(), query)


def _over_subdistrict(subdistrict_id: int):
    """The ids of the warnings with a cell in the subdistrict (``standby.visible_to``, as a query)."""
    return (
        select(warning_cells.c.warning_id)
        .join(GridCell, GridCell.id == warning_cells.c.cell_id)
        .join(Community, Community.id == GridCell.community_id)
        .where(Community.subdistrict_id == subdistrict_id)
    )


def cell_rows(cells: list[Cell]) -> list[GridCell]:
    ids = [c.id for c in cells]
    return list(db.session.scalars(select(GridCell).where(GridCell.id.in_(ids)).order_by(GridCell.id))) if ids else []


def record_warning(kind: str, warning: EarlyWarning, actor_id: int | None, **data) -> None:
    """Each subdistrict the warning covers hears of it (its board, its readiness), and the county's administrators."""
    for subdistrict_id in sorted(subdistricts_of(warning)) or [None]:
        events.record(
            kind, subdistrict_id=subdistrict_id, county_id=warning.county_id, actor_id=actor_id, warning_id=warning.id,
            kind_of_warning=warning.kind, colour=warning.colour, headline=warning.headline, **data,
        )  # fmt: skip
