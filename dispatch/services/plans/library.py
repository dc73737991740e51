"""A county's plans: write one (every edit a new version, the text kept as the officer wrote it), read them, and
withdraw one. A subdistrict's officers keep their subdistrict's plans and read the county's; the county's
administrators keep them all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from dispatch.domain.plans.document import InvalidPlan, PlanDocument, parse_plan
from dispatch.domain.scope import Action, Actor, Forbidden, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Plan, PlanVersion, Subdistrict
from dispatch.schemas.common import storable
from dispatch.services import events
from dispatch.services.errors import Conflict, FieldError, InvalidInput, NotFound
from dispatch.services.plans.task_needs import Territory, designation_problems, task_needs
from dispatch.services.scoping import plan_clause


class CountyPlanForbidden(Forbidden):
    """A subdistrict's officer may read the county's plans, not change them."""

    code = "plan.county_plan"


def list_plans(actor: Actor, include_withdrawn: bool = False) -> list[Plan]:
    """The plans the actor may read: the subdistricts' first, by title."""
    require(actor, Action.READ, Resource.PLAN)
    query = select(Plan).where(plan_clause(actor))
    if not include_withdrawn:
        query = query.where(Plan.active)
    return list(db.session.scalars(query.order_by(Plan.subdistrict_id.is_(None), Plan.title, Plan.id)))


def get_plan(actor: Actor, plan_id: int) -> Plan:
    require(actor, Action.READ, Resource.PLAN)
    plan = db.session.scalar(select(Plan).where(Plan.id == plan_id, plan_clause(actor)))
    if plan is None:
        raise NotFound()
    return plan


def latest_version(plan: Plan) -> PlanVersion:
    return db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == plan.version))


def get_version(actor: Actor, plan_id: int, version: int) -> PlanVersion:
    plan = get_plan(actor, plan_id)
    found = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id, PlanVersion.version == version))
    if found is None:
        raise NotFound()
    return found


def document_of(version: PlanVersion) -> PlanDocument:
    """The version's plan, parsed once per text: a version never changes."""
    return _parsed(version.text)


@lru_cache(maxsize=64)
def _parsed(text: str) -> PlanDocument:
    return parse_plan(text)  # a frozen value: safe to share


def territory_of(plan: Plan) -> Territory:
    return Territory(plan.county_id, plan.subdistrict_id)


def save_plan(
    actor: Actor, text: str, plan_id: int | None = None, subdistrict_id: int | None = None, based_on: int | None = None
) -> Plan:
    """Keep a new plan, or a new version of one, once its text and every task's need, place and designated
    organizations are right; InvalidInput with every problem on its line otherwise, and nothing written.

    A new plan belongs to the officer's subdistrict; an administrator names a subdistrict of the county, or none for
    a county plan. ``based_on``: the version the edit was made from; when someone has saved a newer one meanwhile,
    Conflict, and nothing written (two people editing in two tabs: the second would undo the first unseen)."""
    if plan_id is None:
        require(actor, Action.CREATE, Resource.PLAN)
        territory = _territory_for_new(actor, subdistrict_id)
    else:
        plan = _editable(actor, plan_id)
        territory = territory_of(plan)
    document = checked_document(text, territory)
    if plan_id is None:
        plan = Plan(county_id=territory.county_id, subdistrict_id=territory.subdistrict_id, version=0, created_by=actor.user_id)
        db.session.add(plan)
    else:
        plan = db.session.scalar(select(Plan).where(Plan.id == plan_id).with_for_update())  # edits queue, none is lost
        if based_on is not None and plan.version != based_on:
            db.session.rollback()
            raise Conflict([FieldError("plan", "plan.newer_version", {"version": plan.version, "based_on": based_on})])
        if latest_version(plan).text == text:  # saved again unchanged: no new version to tell apart from the last
            db.session.rollback()
            return plan
    plan.title, plan.category, plan.min_level = document.title, document.category, document.min_level
    plan.auto_start, plan.version, plan.updated_at = document.auto_start, plan.version + 1, datetime.now(UTC)
    db.session.flush()
    db.session.add(PlanVersion(plan_id=plan.id, version=plan.version, text=text, created_by=actor.user_id))
    try:
        db.session.flush()  # on SQLite, two edits read the same version; the second's number is taken
    except IntegrityError as exc:
        events.rollback()
        raise Conflict([FieldError("plan", "plan.edited_meanwhile")]) from exc
    events.record(
        "plan.saved", subdistrict_id=plan.subdistrict_id, actor_id=actor.user_id, plan_id=plan.id, version=plan.version,
        title=plan.title, tasks=len(document.tasks),
    )  # fmt: skip
    events.commit()
    return plan


def checked_document(text: str, territory: Territory) -> PlanDocument:
    """The plan a text describes, with every task checked where the plan may mobilize (its places found, its
    designated teams offering its skills), or InvalidInput."""
    try:
        document = _parsed(text)
    except InvalidPlan as exc:
        raise InvalidInput([FieldError(p.field, p.code, p.params, row=p.line) for p in exc.problems]) from exc
    if not storable(document_values(document)):  # a YAML escape ("\\ud800", "\\0") makes text no database keeps
        raise InvalidInput([FieldError("plan", "text.unstorable")])
    found, errors = task_needs(document, territory)
    errors += designation_problems(found)
    if errors:
        raise InvalidInput(sorted(errors, key=lambda e: e.row or 0))  # as the text reads, top to bottom
    return document


def document_values(document: PlanDocument) -> list:
    """Every text a plan holds: its title, and each task's name, need, place and designated teams."""
    return [document.title, *((t.name, t.need, t.place.value, t.designated) for t in document.tasks)]


def withdraw_plan(actor: Actor, plan_id: int) -> Plan:
    """A withdrawn plan is no longer proposed or started; its versions and the incidents that used it stay."""
    plan = _editable(actor, plan_id)
    if plan.active:
        plan.active = False
        events.record("plan.withdrawn", subdistrict_id=plan.subdistrict_id, actor_id=actor.user_id, plan_id=plan.id)
    events.commit()
    return plan


def _editable(actor: Actor, plan_id: int) -> Plan:
    require(actor, Action.EDIT, Resource.PLAN)
    plan = get_plan(actor, plan_id)
    if actor.role is Role.DUTY_OFFICER and plan.subdistrict_id != actor.subdistrict_id:
        raise CountyPlanForbidden()
    return plan


def _territory_for_new(actor: Actor, subdistrict_id: int | None) -> Territory:
    if actor.role is Role.DUTY_OFFICER:
        if subdistrict_id not in (None, actor.subdistrict_id):
            raise _unknown_subdistrict(subdistrict_id)
        return Territory(actor.county_id, actor.subdistrict_id)
    if subdistrict_id is None:
        return Territory(actor.county_id, None)
    found = db.session.scalar(
        select(Subdistrict.id).where(Subdistrict.id == subdistrict_id, Subdistrict.county_id == actor.county_id)
    )
    if found is None:
        raise _unknown_subdistrict(subdistrict_id)
    return Territory(actor.county_id, found)


def _unknown_subdistrict(subdistrict_id: int | None) -> InvalidInput:
    return InvalidInput([FieldError("subdistrict_id", "scope.unknown", {"field": "subdistrict_id", "value": subdistrict_id})])
