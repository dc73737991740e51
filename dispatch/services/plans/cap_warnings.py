"""Early warnings (预警) read from CAP files, each mapped to the county's grid cells.

A CAP alert's area is its polygons and circles, or, when it has none, the places its area description names
(subdistricts, communities, grid cells of the gazetteer). An Update changes the warning it references, a Cancel lifts
it, and an alert read twice (the same sender and identifier) changes nothing, unless read from a scope the warning
left out: a subdistrict's duty officer reads in their subdistrict's part alone and is told which subdistricts were
left out; the county's administrator reading the same alert widens the warning to the county's part.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.domain.plans.cap import CapAlert, CapArea, InvalidAlert, MsgType, Status, area_shapes, read_alert
from dispatch.domain.plans.standby import warning_words
from dispatch.domain.plans.warning_types import DEFAULT_TABLE, WarningTable, WarningType, classify
from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import County, EarlyWarning, WarningAlert
from dispatch.services import events
from dispatch.services.errors import FieldError, InvalidInput, NotFound
from dispatch.services.plans import standby
from dispatch.services.plans.warnings import cell_rows, end_warning, record_warning
from dispatch.services.registry.geography import places
from geo.cells import Cell
from geo.geojson import to_geojson

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
    record_warning(f"warning.{outcome}", warning, actor.user_id)
    if outcome == "cancelled":
        end_warning(warning, "cancelled", actor.user_id)
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
    warning.area, warning.cells = (json.dumps(to_geojson(area)) if area is not None else None), cell_rows(reach.cells)
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
        warning.cells = cell_rows([*warning.cells, *fresh])
        warning.updated_at = datetime.now(UTC)
        try:
            db.session.flush()
        except IntegrityError:  # another reader widened it at the same instant: read it again after theirs
            events.rollback()
            return read_again(actor, alert, db.session.get(WarningAlert, seen.id), ask_all_with_skills)
        record_warning("warning.widened", warning, actor.user_id)
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


def _value(colour) -> str | None:
    return colour.value if colour is not None else None
