"""/api/skills: the skill taxonomy."""

from __future__ import annotations

from flask import Blueprint
from pydantic import BaseModel
from spectree import Response

from dispatch.api.spec import spec
from dispatch.auth import current_actor
from dispatch.schemas.common import ErrorOut
from dispatch.schemas.places import SkillOut
from dispatch.services.registry.skills import list_skills

bp = Blueprint("api_skills", __name__, url_prefix="/api/skills")


class Skills(BaseModel):
    items: list[SkillOut]


@bp.get("")
@spec.validate(resp=Response(HTTP_200=Skills, HTTP_401=ErrorOut), tags=["skills"])
def skills():
    """Every skill with its Chinese and English label and whether it needs a valid certificate."""
    current_actor()
    return Skills(items=[SkillOut.model_validate(s, from_attributes=True) for s in list_skills()])
