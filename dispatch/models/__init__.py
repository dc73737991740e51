"""The database models; importing this package registers every table with the metadata."""

from dispatch.models.organizations import Certification, Member, Organization, OrganizationSkill
from dispatch.models.places import Community, County, GridCell, Subdistrict
from dispatch.models.skills import Skill
from dispatch.models.users import User

__all__ = [
    "Certification",
    "Community",
    "County",
    "GridCell",
    "Member",
    "Organization",
    "OrganizationSkill",
    "Skill",
    "Subdistrict",
    "User",
]
