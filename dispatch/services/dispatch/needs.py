"""Needs (需求信息): post one (idempotently), see its candidates, cancel or close it, offer it to a chosen organization."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import cache

from sqlalchemy import Integer, Select, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from dispatch.domain.assignments import LIVE_STATES, AssignmentState
from dispatch.domain.incidents import IncidentStatus, NeedStatus, window_is_valid
from dispatch.domain.matching import RankedCandidate
from dispatch.domain.recovery import NeedKind
from dispatch.domain.scope import Action, Actor, Resource, require
from dispatch.extensions import db
from dispatch.models import Assignment, GridCell, IdempotencyKey, Incident, Need, Skill
from dispatch.models.incidents import need_skills
from dispatch.schemas.common import PointIn
from dispatch.schemas.dispatching import NeedIn
from dispatch.services import events
from dispatch.services.dispatch import offers
from dispatch.services.dispatch.incidents import get_incident, held_incident
from dispatch.services.dispatch.locate import geocode
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.registry.geography import places
from dispatch.services.registry.skills import skill_cache
from dispatch.services.rows import attach_inserted, attached_as_loaded, insert_as_loaded, values_with_defaults
from dispatch.services.scoping import need_clause
from geo.coords import to_wgs84
from geo.geojson import check_point

PLACE_NAME_MAX = 200  # the column's length
# Posting a need runs these (on the embedded database; on PostgreSQL ``_need_skills_and_key``): built once.
NEED_SKILL, KEY = insert(need_skills), insert(IdempotencyKey)
STAGE_OF = {NeedKind.RESPONSE: IncidentStatus.ACTIVE, NeedKind.RECOVERY: IncidentStatus.RECOVERY}  # when each kind is posted


def get_need(actor: Actor, need_id: int) -> Need:
    require(actor, Action.READ, Resource.NEED)
    need = db.session.scalar(select(Need).where(Need.id == need_id, need_clause(actor)))
    if need is None:
        raise NotFound()
    return need


def post_need(
    actor: Actor,
    incident_id: int,
    data: NeedIn,
    idempotency_key: str | None = None,
    also: Callable[[Need], None] | None = None,
    kind: NeedKind = NeedKind.RESPONSE,
) -> tuple[Need, bool]:
    """Post a need and make its first offers in one transaction. Returns (need, created): a repeated
    ``Idempotency-Key`` from the same user returns the need it first made, and makes nothing. ``also`` writes what
    else comes with the need (the risk it answers) in the same transaction."""
    require(actor, Action.CREATE, Resource.NEED)
    incident = held_incident(actor, incident_id)  # its status stays true until this commits
    digest = request_digest(incident_id, kind, data) if idempotency_key else None
    try:
        need = _new_need(actor, incident, data, kind, idempotency_key, digest)
    except IntegrityError:  # the key was used before (a retry, or a double click racing this): the first one wins
        events.rollback()
        if (earlier := _earlier(actor, idempotency_key, digest)) is None:
            raise
        return earlier, False
    except InvalidInput:  # a retry after the incident moved on still gets the need its first try made
        events.rollback()
        if (earlier := _earlier(actor, idempotency_key, digest)) is not None:
            return earlier, False
        raise
    _announce_and_offer(need, actor, also)
    events.commit()
    return need, True


def add_need(
    actor: Actor, incident: Incident, data: NeedIn, columns: dict | None = None, also: Callable[[Need], None] | None = None
) -> Need:
    """Write a need and make its first offers in the caller's transaction, which holds the incident
    (``held_incident``) and commits: a plan's tasks go out together. ``columns``: more of the need's own values,
    written with it (the plan task it comes from); ``also`` runs once it has its id, before the offers."""
    need = _checked_need(actor, incident, data)
    for name, value in (columns or {}).items():
        setattr(need, name, value)
    _write_need(need)
    _announce_and_offer(need, actor, also)
    return need


def _announce_and_offer(need: Need, actor: Actor, also: Callable[[Need], None] | None) -> None:
    events.record(
        "need.posted", need=need, actor_id=actor.user_id, head_count=need.head_count, skills=[s.code for s in need.skills]
    )
    if also is not None:
        also(need)
    offers.offer_more(need, actor.user_id)


def request_digest(incident_id: int, kind: NeedKind, data: NeedIn) -> str:
    """What a post asked for, as a digest kept with its Idempotency-Key: the incident, the kind and the body, as the
    need it makes reads it (a skill named twice is asked once)."""
    need = data.model_dump(mode="json")
    asked = {"incident": incident_id, "kind": kind.value, "need": {**need, "skills": list(dict.fromkeys(need["skills"]))}}
    return hashlib.sha256(json.dumps(asked, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _earlier(actor: Actor, key: str | None, digest: str | None) -> Need | None:
    """The need the user's key first made, if any; the key sent with another request (another incident, another
    body) is refused rather than answered with that need."""
    if not key:
        return None
    query = (
        select(Need, IdempotencyKey.request_digest)
        .join(IdempotencyKey, IdempotencyKey.need_id == Need.id)
        .where(IdempotencyKey.user_id == actor.user_id, IdempotencyKey.key == key)
    )
    if (row := db.session.execute(query).first()) is None:
        return None
    need, first = row
    if first is not None and first != digest:
        raise InvalidInput([FieldError("idempotency_key", "idempotency_key.reused")])
    return need


def preview_candidates(actor: Actor, incident_id: int, data: NeedIn) -> list[RankedCandidate]:
    """Who a need like this would be offered to, best first with reasons, before posting it. Nothing is written."""
    require(actor, Action.CREATE, Resource.NEED)
    return would_ask(actor, get_incident(actor, incident_id), data)


def would_ask(
    actor: Actor, incident: Incident, data: NeedIn, designated: tuple[int, ...] = (), k: int = 50
) -> list[RankedCandidate]:
    """Who a need like this on the incident (stored or not) would be offered to: the ``designated`` organizations
    that could answer, in order, then the ranking's best. Nothing is written; InvalidInput if it could not be posted."""
    need = _checked_need(actor, incident, data)
    try:
        with db.session.no_autoflush:  # the need is only looked at: never inserted
            return offers.first_asked(need, designated, k)
    finally:
        db.session.rollback()


def _new_need(actor: Actor, incident: Incident, data: NeedIn, kind: NeedKind, key: str | None, digest: str | None) -> Need:
    """The need written with its skills and its idempotency key; a key seen before fails it with IntegrityError."""
    need = _checked_need(actor, incident, data, kind)
    _write_need(need, {"user_id": actor.user_id, "key": key, "request_digest": digest} if key else None)
    return need


def _write_need(need: Need, key: dict[str, object] | None = None) -> None:
    """Insert the need, its skills and its Idempotency-Key (``key``: the key's columns but the need's id), and put the
    need in the session as though just loaded. PostgreSQL: in one statement; the embedded database: one each."""
    connection = db.session.connection()  # plain rows: past the session's per-statement work
    skill_ids = [skill.id for skill in need.skills]
    if connection.dialect.name == "postgresql":
        values = values_with_defaults(need, frozenset({"id"}))
        params = {**{f"need_{name}": value for name, value in values.items()}, "skill_ids": skill_ids}
        if key is not None:
            params.update({f"key_{name}": value for name, value in key.items()}, key_created_at=datetime.now(UTC))
        attach_inserted(need, connection.execute(_need_skills_and_key(key is not None), params).scalar_one())
        return
    insert_as_loaded(need)
    connection.execute(NEED_SKILL, [{"need_id": need.id, "skill_id": skill_id} for skill_id in skill_ids])
    if key is not None:
        connection.execute(KEY, {**key, "need_id": need.id})


@cache
def _need_skills_and_key(with_key: bool) -> Select:
    """PostgreSQL: a need's row, its skills' and its key's in one statement, returning the need's id; built once."""
    needs = Need.__table__
    need = (
        insert(needs)
        .values({c.name: bindparam(f"need_{c.name}", type_=c.type) for c in needs.columns if c.name != "id"})
        .returning(needs.c.id)
        .cte("new_need")
    )
    skill_ids = func.unnest(bindparam("skill_ids", type_=postgresql.ARRAY(Integer)))
    skills = insert(need_skills).from_select(["need_id", "skill_id"], select(need.c.id, skill_ids)).cte("new_skills")
    statement = select(need.c.id).add_cte(skills)
    if not with_key:
        return statement
    keys, names = IdempotencyKey.__table__, ("user_id", "key", "request_digest", "created_at")
    key = insert(keys).from_select(
        [*names, "need_id"], select(*(bindparam(f"key_{name}", type_=keys.c[name].type) for name in names), need.c.id)
    )
    return statement.add_cte(key.cte("new_key"))


def _checked_need(actor: Actor, incident: Incident, data: NeedIn, kind: NeedKind = NeedKind.RESPONSE) -> Need:
    """The need the input describes, checked against the incident and the places, not yet added to the session."""
    errors: list[FieldError] = []
    if incident.status is not STAGE_OF[kind]:
        code = "incident.not_active" if kind is NeedKind.RESPONSE else "incident.not_recovering"
        errors.append(FieldError("incident", code, {"status": incident.status.value}))
    skills = _skills(data.skills, errors)
    if not window_is_valid(data.window_start, data.window_end):
        errors.append(FieldError("window_end", "window.order"))
    point, cell = _place(actor, incident, data, errors)
    if errors:
        raise InvalidInput(errors)
    need = Need(
        incident_id=incident.id, description=data.description, head_count=data.head_count, priority=data.priority,
        lon=point[0], lat=point[1], address=data.address or "", cell_id=cell.id if cell else None,
        window_start=data.window_start, window_end=data.window_end, policy=data.policy, broadcast_k=data.broadcast_k,
        offer_timeout_s=data.offer_timeout_s, radius_m=None if data.radius_km is None else data.radius_km * 1000,
        created_by=actor.user_id, accepted=0, status=NeedStatus.OPEN, kind=kind,
    )  # fmt: skip
    need.place_name, need.place_name_en = _place_name(data, point)
    for name, value in (("incident", incident), ("cell", cell), ("skills", skills), ("assignments", [])):
        set_committed_value(need, name, value)  # as loaded: a new need has no offers yet, and nothing cascades
    return need


def _place_name(data: NeedIn, point: tuple[float, float]) -> tuple[str, str]:
    """Where, as a local person says it: the address given, else the reverse lookup of the point (clipped to fit)."""
    if data.address:
        return data.address, ""
    name = places().namer.describe(*point)
    return name.zh[:PLACE_NAME_MAX], name.en[:PLACE_NAME_MAX] if name.en != name.zh else ""


def _skills(codes: list[str], errors: list[FieldError]) -> list[Skill]:
    """The skills of these codes, from this process's copy of the taxonomy (no query)."""
    found = skill_cache().by_codes(codes)
    errors.extend(FieldError("skills", "skill.unknown", {"code": code}) for code in codes if code not in found)
    return [attached_as_loaded(Skill, **vars(found[code])) for code in dict.fromkeys(codes) if code in found]


def _place(
    actor: Actor, incident: Incident, data: NeedIn, errors: list[FieldError]
) -> tuple[tuple[float, float], GridCell | None]:
    """The need's point in WGS-84 and its cell, which must lie where the incident may mobilize."""
    point = _point(actor, data, errors)
    if point is None:
        return (0.0, 0.0), None
    found = places().cells.cell_at(*point)
    allowed = found is not None and (
        found.subdistrict_id == incident.subdistrict_id
        or (incident.escalated and found.county_id == incident.subdistrict.county_id)
    )
    if not allowed:
        errors.append(FieldError("location", "location.outside_jurisdiction"))
        return point, None
    # The cell as this process's index knows it (no query): its outline and its worker's sealed phone load if read.
    return point, attached_as_loaded(GridCell, id=found.id, code=found.code, name=found.name, community_id=found.community_id)


def _point(actor: Actor, data: NeedIn, errors: list[FieldError]) -> tuple[float, float] | None:
    if data.location is not None:
        return _checked_point(data.location, errors)
    if data.address:
        result = geocode(actor, data.address)
        if result.found:
            return result.located.lon, result.located.lat
        errors.append(FieldError("address", "address.not_found", {"suggestions": "、".join(result.suggestions[:5])}))
        return None
    errors.append(FieldError("location", "location.missing"))
    return None


def _checked_point(point: PointIn, errors: list[FieldError]) -> tuple[float, float] | None:
    if code := check_point(point.lon, point.lat):
        errors.append(FieldError("location", code))
        return None
    return to_wgs84(point.lon, point.lat, point.system)


def dispatchable_need(actor: Actor, need_id: int) -> Need:
    """A need the actor may act on as a dispatcher (scoped like reading, with the right to edit)."""
    require(actor, Action.EDIT, Resource.NEED)
    return get_need(actor, need_id)


def claim_need(need_id: int) -> Need:
    """Begin a deciding transaction by writing the need's row, and return the need as it now stands.

    Every change to a need or its offers claims the need first, so concurrent changes queue on that one row in one
    order: on PostgreSQL no two of them can deadlock (need, then assignments, then the event counter), and on
    SQLite the transaction holds the write lock from its first statement, so what it reads next cannot be outdated
    by another writer. Call it with no transaction open (commit the reads before): the need and its offers are then
    loaded fresh.
    """
    claim = update(Need).where(Need.id == need_id).values(accepted=Need.accepted)
    db.session.execute(claim.execution_options(synchronize_session=False))
    return db.session.get(Need, need_id, populate_existing=True)


def _claimed(actor: Actor, need_id: int, allowed: tuple[NeedStatus, ...]) -> Need:
    """The need, in scope for a dispatcher, claimed, and in one of the ``allowed`` statuses (or a Conflict)."""
    dispatchable_need(actor, need_id)
    db.session.commit()  # end the read; the claim starts the transaction that decides
    need = claim_need(need_id)
    try:
        _require_status(need, allowed)
    except Conflict:
        events.rollback()
        raise
    return need


def cancel_need(actor: Actor, need_id: int) -> Need:
    """Call the need off: open offers are withdrawn and accepted work is cancelled."""
    need = _claimed(actor, need_id, (NeedStatus.OPEN, NeedStatus.UNFILLED, NeedStatus.FILLED))
    close_need_records(need, actor, NeedStatus.CANCELLED)
    events.commit()
    return need


def close_need(actor: Actor, need_id: int) -> Need:
    """No more offers for this need; work already accepted carries on to completion."""
    need = _claimed(actor, need_id, (NeedStatus.OPEN, NeedStatus.UNFILLED, NeedStatus.FILLED))
    close_need_records(need, actor, NeedStatus.CLOSED)
    events.commit()
    return need


def close_need_records(need: Need, actor: Actor, status: NeedStatus) -> None:
    withdraw_open_offers(need, actor.user_id)
    if status is NeedStatus.CANCELLED:
        for assignment in need.assignments:
            if assignment.state in (AssignmentState.ACCEPTED, AssignmentState.EN_ROUTE, AssignmentState.ON_SITE):
                assignment.state = AssignmentState.CANCELLED
                need.accepted -= assignment.head_count  # completed work keeps its people: it was done
                events.record("assignment.cancelled", assignment=assignment, actor_id=actor.user_id)
    need.status = status
    events.record(f"need.{status.value}", need=need, actor_id=actor.user_id)


def withdraw_open_offers(need: Need, actor_id: int | None) -> None:
    """Withdraw every offer of the need still open (guarded on the state, so an accept racing it loses cleanly)."""
    open_ids = [a.id for a in need.assignments if a.state is AssignmentState.OFFERED]
    if not open_ids:
        return
    statement = update(Assignment).where(Assignment.id.in_(open_ids), Assignment.state == AssignmentState.OFFERED)
    db.session.execute(statement.values(state=AssignmentState.WITHDRAWN).execution_options(synchronize_session=False))
    for assignment in (a for a in need.assignments if a.id in open_ids):
        db.session.refresh(assignment)  # the UPDATE went round the ORM; an accept may have won the race
        if assignment.state is AssignmentState.WITHDRAWN:
            events.record("offer.withdrawn", assignment=assignment, actor_id=actor_id)


def offer_to(actor: Actor, need_id: int, organization_id: int) -> Assignment:
    """Offer the need to an organization the officer chose from the candidates."""
    need = _claimed(actor, need_id, (NeedStatus.OPEN, NeedStatus.UNFILLED))
    if any(a.organization_id == organization_id and a.state in LIVE_STATES for a in need.assignments):
        events.rollback()
        raise Conflict([FieldError("organization_id", "offer.already_made", {"value": organization_id})])
    chosen = next((c for c in offers.ranked(need, k=10_000) if c.org_id == organization_id), None)
    if chosen is None:
        events.rollback()
        raise InvalidInput([FieldError("organization_id", "organization.not_candidate", {"value": organization_id})])
    need.status = NeedStatus.OPEN
    assignment = offers.make_offer(need, chosen, rank=len(need.assignments) + 1, actor_id=actor.user_id)
    events.commit()
    return assignment


def widen(actor: Actor, need_id: int, radius_km: float | None) -> Need:
    """Ask organizations farther away (or, with no radius, the whole jurisdiction), and offer on at once."""
    need = _claimed(actor, need_id, (NeedStatus.OPEN, NeedStatus.UNFILLED))
    radius_m = None if radius_km is None else radius_km * 1000
    if need.radius_m is None or (radius_m is not None and radius_m <= need.radius_m):
        events.rollback()
        current = None if need.radius_m is None else need.radius_m / 1000
        raise InvalidInput([FieldError("radius_km", "radius.not_wider", {"current": current if current is not None else "∞"})])
    need.radius_m, need.status = radius_m, NeedStatus.OPEN
    events.record("need.widened", need=need, actor_id=actor.user_id, radius_km=radius_km)
    offers.offer_more(need, actor.user_id)
    events.commit()
    return need


def _require_status(need: Need, allowed: tuple[NeedStatus, ...]) -> None:
    if need.status not in allowed:
        raise Conflict([FieldError("status", "need.not_open", {"status": need.status.value})])
