"""What an import needs to know of the database, read once up front (codes to ids, existing keys)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from dispatch.domain.scope import Actor
from dispatch.extensions import db
from dispatch.models import Community, GridCell, Organization, Skill, Subdistrict
from dispatch.services.registry.places import county_extent
from dispatch.services.scoping import cell_clause, community_clause


@dataclass
class Lookups:
    communities: dict[str, tuple[int, int]]  # code -> (community id, county id)
    cells: dict[str, int]
    skills: dict[str, int]  # code and Chinese label -> id
    extents: dict[int, tuple[float, float, float, float] | None]

    @classmethod
    def load(cls, actor: Actor | None = None) -> Lookups:
        """Everything, for the operator's CLI; only the actor's communities and cells for an upload."""
        query = select(Community.code, Community.id, Subdistrict.county_id).join(Subdistrict)
        cells_query = select(GridCell.code, GridCell.id)
        if actor is not None:
            query, cells_query = query.where(community_clause(actor)), cells_query.where(cell_clause(actor))
        communities = {code: (community_id, county_id) for code, community_id, county_id in db.session.execute(query)}
        skills: dict[str, int] = {}
        for skill in db.session.scalars(select(Skill)):
            skills[skill.code] = skills[skill.label_zh] = skill.id
        cells = dict(db.session.execute(cells_query).all())
        counties = {county_id for _, county_id in communities.values()}
        return cls(communities, cells, skills, {county_id: county_extent(county_id) for county_id in counties})


def existing_organization_keys() -> tuple[set[tuple[int, str]], set[str]]:
    """(community id, name) pairs and credit codes already stored."""
    names = {tuple(row) for row in db.session.execute(select(Organization.community_id, Organization.name))}
    codes = set(db.session.scalars(select(Organization.credit_code).where(Organization.credit_code.is_not(None))))
    return names, codes
