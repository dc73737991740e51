"""Early warnings (预警): read from a CAP file or entered by an officer, each mapped to the county's grid cells.

A CAP alert's area is its polygons and circles, or, when it has none, the places its area description names
(subdistricts, communities, grid cells of the gazetteer). An Update changes the warning it references, a Cancel lifts
it, and an alert read twice (the same sender and identifier) changes nothing. A warning is in force from its
effective time until it expires or is lifted: nothing needs to run for it to end, but its end is a moment of the log
(``warning.ended``, reason lifted, cancelled or expired), written once: a lift or a cancel writes it at once, and the
sweeper (``end_expired``) finds the warnings past their validity whose end is not written yet, after any restart.
An officer's warning sent with an ``Idempotency-Key`` is entered once, however often it is sent.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import and_, not_, select, update
from sqlalchemy.exc import IntegrityError

from dispatch.domain.incidents import IncidentCategory
from dispatch.domain.plans.cap import CapAlert, CapArea, InvalidAlert, MsgType, Status, area_shapes, read_alert
from dispatch.domain.plans.standby import warning_words
from dispatch.domain.plans.warning_types import (
    COLOUR_LEVEL,
    DEFAULT_TABLE,
    WarningColour,
    WarningKind,
    WarningTable,
    WarningType,
    classify,
)
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Community, County, EarlyWarning, GridCell, WarningAlert
from dispatch.models.warnings import warning_cells
from dispatch.schemas.warnings import WarningQuery
from dispatch.services import events
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.paging import page_of
from dispatch.services.plans import standby
from dispatch.services.plans.standby import subdistricts_of
from dispatch.services.registry.geography import places
from geo.cells import Cell
from geo.geojson import to_geojson

log = logging.getLogger(__name__)

KEPT_AFTER_EXPIRY = timedelta(days=7)  # how long an ended warning stays on the list
LONGEST = timedelta(days=30)  # a warning standing longer is a mistake in the file
MAX_SHAPES = 500  # polygons and circles of one alert: a county's warning needs a handful
# Province, city and county names in front of a place (a county's 区 is no community's 社区).
LARGER_PLACES = re.compile(r"^(?:[^\W\d_]{1,8}?(?:省|自治区))?(?:[^\W\d_]{1,8}?市)?(?:[^\W\d_]{1,8}?(?:区(?<!社区)|县|旗))?")
NAME_SEPARATORS = re.compile(r"[、，,；;/\s]+|和|及|以及")


@dataclass(frozen=True)
class Imported:
    warning: EarlyWarning
    outcome: str  # issued | updated | cancelled | widened (read before, now by a wider scope) | unchanged
    left_out: tuple[int, ...] = ()  # subdistricts of the alert's area the warning leaves out (a subdistrict's reading)


@dataclass(frozen=True)
class Reach:
    """Where an alert applies: its shapes (none when named by places), the county's cells in it, and those of them
    the reader may read in (a subdistrict's officer: their subdistrict's)."""

    area: BaseGeometry | None
    county_cells: list[Cell]
    cells: list[Cell]

    def left_out(self, warning: EarlyWarning) -> tuple[int, ...]:
        covered = {cell.id for cell in warning.cells}
        return tuple(sorted({c.subdistrict_id for c in self.county_cells if c.id not in covered}))


def import_cap(actor: Actor, data: bytes, table: WarningTable = DEFAULT_TABLE, ask_all_with_skills: bool = False) -> Imported:
    """Read one CAP alert into the actor's county: a new warning, an update or a cancel of one read before; nothing
    changes (InvalidInput with every problem) when the file is bad or its area lies outside the county (for a
    subdistrict's officer: outside their subdistrict). An officer's reading covers their subdistrict only, and says
    which subdistricts it left out; reading the alert again from a wider scope widens the warning (``read_again``)."""
    require(actor, Action.CREATE, Resource.WARNING)
    alert, kind = _read(data, table)
    seen = db.session.scalar(
        select(WarningAlert).where(
            WarningAlert.county_id == actor.county_id,
            WarningAlert.sender == alert.sender,
            WarningAlert.identifier == alert.identifier,
        )
    )
    if seen is not None:
        return read_again(actor, alert, seen, ask_all_with_skills)
    reach = None
    if alert.msg_type is MsgType.ALERT:
        warning, outcome = EarlyWarning(county_id=actor.county_id, source="cap", created_by=actor.user_id), "issued"
    else:
        warning, outcome = _referenced(actor, alert), "cancelled" if alert.msg_type is MsgType.CANCEL else "updated"
        standby.require_owned(actor, warning)
        if outcome == "updated" and warning.lifted_at is not None:
            raise InvalidInput([FieldError("references", "warning.cancelled_before")])
    if kind is None:
        warning.lifted_at, warning.lifted_by = datetime.now(UTC), actor.user_id
    else:
        reach = _area_of(actor, alert.info.areas)
        _apply(warning, alert, kind, reach)
    warning.updated_at = datetime.now(UTC)
    db.session.add(warning)
    db.session.flush()
    db.session.add(
        WarningAlert(
            county_id=actor.county_id, warning_id=warning.id, sender=alert.sender, identifier=alert.identifier,
            msg_type=alert.msg_type.value, sent_at=alert.sent,
        )
    )  # fmt: skip
    try:
        db.session.flush()
    except IntegrityError:  # the same alert read at the same instant by another request: that one read it
        events.rollback()
        return import_cap(actor, data, table, ask_all_with_skills)
    _record(f"warning.{outcome}", warning, actor.user_id)
    if outcome == "cancelled":
        _end(warning, "cancelled", actor.user_id)
    standby.ask(warning, actor.user_id, ask_all_with_skills)  # a graver update may bring more plans, and teams, in
    events.commit()
    return Imported(warning, outcome, reach.left_out(warning) if reach is not None else ())


def _read(data: bytes, table: WarningTable) -> tuple[CapAlert, WarningType | None]:
    """The alert and what it warns of (none for a Cancel), or InvalidInput with every problem."""
    try:
        alert = read_alert(data)
        kind = None if alert.msg_type is MsgType.CANCEL else classify(alert, table)
    except InvalidAlert as exc:
        raise InvalidInput([FieldError(p.field, p.code, p.params) for p in exc.problems]) from exc
    if alert.status is not Status.ACTUAL:  # a test, an exercise, a draft: nobody is to be texted for it
        raise InvalidInput([FieldError("status", "warning.not_actual", {"status": alert.status.value})])
    return alert, kind


def _apply(warning: EarlyWarning, alert: CapAlert, kind: WarningType, reach: Reach) -> None:
    """The alert's kind, words, validity and cells on the warning; a validity past ``LONGEST`` is refused."""
    info = alert.info
    warning.kind, warning.colour, warning.category, warning.level = (
        kind.kind.value,
        _value(kind.colour),
        kind.category,
        kind.level,
    )
    # a headline of spaces and zero-width characters shows nothing: the warning's kind and colour in words instead
    warning.headline = (info.headline or warning_words(kind.kind.value, _value(kind.colour)))[:300]
    warning.description = info.description
    warning.sender_name = (info.sender_name or alert.sender)[:200]
    warning.effective_at = info.effective or info.onset or alert.sent
    warning.expires_at = info.expires or warning.effective_at + timedelta(hours=24)
    if not timedelta(0) < warning.expires_at - warning.effective_at <= LONGEST:
        raise InvalidInput([FieldError("expires", "warning.bad_validity", {"days": LONGEST.days})])
    area = reach.area
    warning.area, warning.cells = (json.dumps(to_geojson(area)) if area is not None else None), _rows(reach.cells)
    if warning.expires_at > datetime.now(UTC):  # an update may give an expired warning more time: it can end again
        warning.ended_at = None


def read_again(actor: Actor, alert: CapAlert, seen: WarningAlert, ask_all_with_skills: bool = False) -> Imported:
    """An alert read before, read again. From a scope the warning left out (the county's administrator after a
    subdistrict's officer, who read their subdistrict alone), its cells there are added and the teams they bring
    in are asked, as for a new warning: "widened". Otherwise nothing changes: "unchanged" to whoever sees the
    warning; a reader whose scope the alert does not reach is refused as on a first reading, and learns nothing of
    the warning."""
    warning = db.session.get(EarlyWarning, seen.warning_id)
    if alert.info is None or alert.msg_type is MsgType.CANCEL:
        if not standby.visible_to(actor, warning):
            raise NotFound()
        return Imported(warning, "unchanged")
    reach = _area_of(actor, alert.info.areas)  # refuses an area outside the reader's scope
    covered = {cell.id for cell in warning.cells}
    fresh = [cell for cell in reach.cells if cell.id not in covered]
    if fresh and _still_applies(warning, seen):
        warning.cells = _rows([*warning.cells, *fresh])
        warning.updated_at = datetime.now(UTC)
        try:
            db.session.flush()
        except IntegrityError:  # another reader widened it at the same instant: read it again after theirs
            events.rollback()
            return read_again(actor, alert, db.session.get(WarningAlert, seen.id), ask_all_with_skills)
        _record("warning.widened", warning, actor.user_id)
        standby.ask(warning, actor.user_id, ask_all_with_skills)  # the teams of the cells added, as for a new warning
        events.commit()
        return Imported(warning, "widened", reach.left_out(warning))
    if not standby.visible_to(actor, warning):
        raise NotFound()
    return Imported(warning, "unchanged", reach.left_out(warning))


def _still_applies(warning: EarlyWarning, seen: WarningAlert) -> bool:
    """The alert is the last one applied to the warning (no Update replaced its area) and the warning stands."""
    last = db.session.scalar(
        select(WarningAlert.id).where(WarningAlert.warning_id == warning.id).order_by(WarningAlert.id.desc()).limit(1)
    )
    return last == seen.id and warning.lifted_at is None and warning.expires_at > datetime.now(UTC)


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
        expires_at=now + timedelta(hours=hours), created_by=actor.user_id, updated_at=now, cells=_rows(cells),
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
    _record("warning.issued", warning, actor.user_id)
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
    _record("warning.lifted", warning, actor.user_id)
    _end(warning, "lifted", actor.user_id)
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
        ended = _end(warning, "expired", None)
        events.commit()
        return ended
    except Exception:
        events.rollback()
        log.exception("warning %s: could not write its end", warning_id)
        return False


def _end(warning: EarlyWarning, reason: str, actor_id: int | None) -> bool:
    """Mark the warning ended and write ``warning.ended``, in the caller's transaction: only the first of two
    sweepers, or of a sweeper and a lift, gets the row, so the end is written once."""
    statement = (
        update(EarlyWarning)
        .where(EarlyWarning.id == warning.id, EarlyWarning.ended_at.is_(None))
        .values(ended_at=datetime.now(UTC))
    )
    if db.session.execute(statement.execution_options(synchronize_session="fetch")).rowcount != 1:
        return False
    _record("warning.ended", warning, actor_id, reason=reason)
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


def _referenced(actor: Actor, alert: CapAlert) -> EarlyWarning:
    """The warning an Update or a Cancel refers to, among those read into this county."""
    for sender, identifier, _sent in alert.references:
        found = db.session.scalar(
            select(WarningAlert.warning_id).where(
                WarningAlert.county_id == actor.county_id, WarningAlert.sender == sender, WarningAlert.identifier == identifier
            )
        )
        if found is not None:
            return db.session.get(EarlyWarning, found)
    refs = " ".join(f"{sender},{identifier}" for sender, identifier, _ in alert.references)
    raise InvalidInput([FieldError("references", "warning.unknown_reference", {"references": refs[:300]})])


def _area_of(actor: Actor, areas: tuple[CapArea, ...]) -> Reach:
    """The alert's area and the county's cells in it: its shapes, else the places its descriptions name. An area
    with none of the reader's cells is refused, naming what decided: the shapes when there are any, else the
    descriptions."""
    county_cells = [c for c in places().cells if c.county_id == actor.county_id]
    if sum(len(a.polygons) + len(a.circles) for a in areas) > MAX_SHAPES:
        raise InvalidInput([FieldError("area", "warning.too_many_shapes", {"most": MAX_SHAPES})])
    shapes = [shape for area in areas for shape in area_shapes(area)]
    if shapes:
        area = shapely.union_all(shapes)
        inside = {c.id for c in places().cells.cells_touching(area)}
        found = [c for c in county_cells if c.id in inside]
    else:
        county_name = db.session.get(County, actor.county_id).name_zh
        area, found = None, _named(county_cells, [area.description for area in areas], county_name)
    own = [c for c in found if actor.role is not Role.DUTY_OFFICER or c.subdistrict_id == actor.subdistrict_id]
    if not own:
        where = "subdistrict" if found else "county"
        if shapes:
            raise InvalidInput([FieldError("area", f"warning.shapes_outside_{where}", {"shapes": _shapes_text(areas)})])
        described = "、".join(a.description for a in areas)
        raise InvalidInput([FieldError("area", f"warning.outside_{where}", {"area": _shortened(described)})])
    return Reach(area, found, own)


def _shapes_text(areas: tuple[CapArea, ...]) -> str:
    """The polygons and circles as CAP writes them (``lat,lon`` points; a circle's radius in km), one after another."""
    rings = [" ".join(f"{lat:g},{lon:g}" for lon, lat in ring) for area in areas for ring in area.polygons]
    circles = [f"{lat:g},{lon:g} {radius:g} km" for area in areas for (lon, lat), radius in area.circles]
    return _shortened("；".join(rings + circles))


def _shortened(text: str, most: int = 200) -> str:
    return text if len(text) <= most else text[: most - 1] + "…"


def _named(cells: list[Cell], descriptions: list[str], county_name: str) -> list[Cell]:
    """The cells of the subdistricts, communities and grid cells an area description names. A city or county written
    before them ("杭州市西湖区西溪街道") only says where they are; a name that is only this county ("西湖区") is all of
    it, another county none of it."""
    gazetteer, wanted = places().gazetteer, set()
    for description in descriptions:
        for written in filter(None, NAME_SEPARATORS.split(description)):
            larger, name = _split_larger(written)
            if not name:
                wanted |= {c.id for c in cells} if larger.endswith(county_name) else set()
                continue
            found = gazetteer.lookup(name, limit=3, min_score=90)
            best = max((match.score for match in found), default=0)
            for match in (m for m in found if m.score == best):  # 西溪街道 is not 西湖街道: a near miss is no match
                place = match.place
                wanted |= {
                    c.id for c in cells
                    if (place.kind == "subdistrict" and c.subdistrict_id == place.ref_id)
                    or (place.kind == "community" and c.community_id == place.ref_id)
                    or (place.kind == "grid_cell" and c.id == place.ref_id)
                }  # fmt: skip
    return [c for c in cells if c.id in wanted]


def _split_larger(written: str) -> tuple[str, str]:
    """("杭州市西湖区", "西溪街道") of "杭州市西湖区西溪街道": the province, city and county names in front, and the rest."""
    match = LARGER_PLACES.match(written)
    return (match.group(0), written[match.end() :]) if match else ("", written)


def _rows(cells: list[Cell]) -> list[GridCell]:
    ids = [c.id for c in cells]
    return list(db.session.scalars(select(GridCell).where(GridCell.id.in_(ids)).order_by(GridCell.id))) if ids else []


def _value(colour) -> str | None:
    return colour.value if colour is not None else None


def _record(kind: str, warning: EarlyWarning, actor_id: int | None, **data) -> None:
    """Each subdistrict the warning covers hears of it (its board, its readiness), and the county's administrators."""
    for subdistrict_id in sorted(subdistricts_of(warning)) or [None]:
        events.record(
            kind, subdistrict_id=subdistrict_id, county_id=warning.county_id, actor_id=actor_id, warning_id=warning.id,
            kind_of_warning=warning.kind, colour=warning.colour, headline=warning.headline, **data,
        )  # fmt: skip
