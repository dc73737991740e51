"""What the plan form offers to pick from where a plan may mobilize: its organizations (with the skills each offers,
so an officer designates a team that can do the task) and its communities and grid cells by code. Only suggestions:
whatever is typed is checked when the plan is saved.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dispatch.domain.scope import Action, Actor, Resource, Role, require
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Organization, OrganizationSkill, Plan, Skill
from dispatch.services.plans.library import territory_of
from dispatch.services.plans.task_needs import Territory

MOST = 2000  # suggestions of each kind: a county has hundreds of teams and cells, not tens of thousands


@dataclass(frozen=True)
class Choices:
    organizations: list[tuple[str, str]]  # name, and the skills it offers in the reader's language
    places: list[tuple[str, str]]  # a community's or a grid cell's code, and its name


def form_choices(actor: Actor, plan: Plan | None, language: str) -> Choices:
    """The choices for ``plan`` (None: a new plan, the officer's subdistrict, or the county for an administrator)."""
    require(actor, Action.READ, Resource.PLAN)
    territory = territory_of(plan) if plan is not None else _new_territory(actor)
    return Choices(_organizations(territory, language), _places(territory))


def _new_territory(actor: Actor) -> Territory:
    return Territory(actor.county_id, None if actor.role is Role.ADMIN else actor.subdistrict_id)


def _organizations(territory: Territory, language: str) -> list[tuple[str, str]]:
    query = select(Organization.id, Organization.name).join(Community, Organization.community_id == Community.id)
    query = territory.places(query, Community.subdistrict_id).where(Organization.active)
    rows = db.session.execute(query.order_by(Organization.name).limit(MOST)).all()
    label = Skill.label_en if language == "en" else Skill.label_zh
    skills: dict[int, list[str]] = {}
    offered = select(OrganizationSkill.organization_id, label).join(Skill, OrganizationSkill.skill_id == Skill.id)
    offered = offered.where(OrganizationSkill.organization_id.in_([r.id for r in rows])).order_by(Skill.id)
    for org_id, name in db.session.execute(offered):
        skills.setdefault(org_id, []).append(name)
    joiner = ", " if language == "en" else "、"
    return [(row.name, joiner.join(skills.get(row.id, []))) for row in rows]


def _places(territory: Territory) -> list[tuple[str, str]]:
    communities = territory.places(select(Community.code, Community.name_zh), Community.subdistrict_id)
    cells = select(GridCell.code, Community.name_zh + " " + GridCell.name).join(Community, GridCell.community_id == Community.id)
    cells = territory.places(cells, Community.subdistrict_id)
    found = [*db.session.execute(communities.order_by(Community.code).limit(MOST))]
    return [(code, name) for code, name in [*found, *db.session.execute(cells.order_by(GridCell.code).limit(MOST))]]
