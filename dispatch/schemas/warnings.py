"""Early warnings (预警) as the API reads and writes them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator
from pydantic_core import PydanticCustomError

from dispatch.domain.incidents import IncidentCategory, IncidentLevel
from dispatch.domain.plans.cap import MAX_BYTES
from dispatch.domain.plans.warning_types import WarningColour, WarningKind
from dispatch.domain.yaml_documents import visible_text
from dispatch.schemas.common import JsonInt, PageQuery, Ref, RowId, Strict

ASK_ALL = "standby: besides the teams the covering plans designate, every active team of the area with a skill they need"


class CapIn(Strict):
    model_config = ConfigDict(str_strip_whitespace=False)  # the XML as it came

    cap: str = Field(min_length=1, max_length=MAX_BYTES, description="one CAP 1.2 alert, as XML text")
    ask_all_with_skills: StrictBool = Field(False, description=ASK_ALL)


class WarningIn(Strict):
    kind: WarningKind
    colour: WarningColour
    headline: str = Field(min_length=1, max_length=300)
    hours: float = Field(24, ge=0.5, le=168, description="how long it stands, from now (half an hour to a week)")
    subdistrict_ids: list[RowId] = Field(default_factory=list, max_length=100, description="none: the whole county")
    ask_all_with_skills: StrictBool = Field(False, description=ASK_ALL)

    @field_validator("headline")
    @classmethod
    def _shows_something(cls, value: str) -> str:
        """Zero-width spaces and other invisible characters around the words go; made of them alone, it is empty."""
        shown = visible_text(value)
        if not shown:
            raise PydanticCustomError("text.blank", "must not be empty")
        return shown


class WarningQuery(PageQuery):
    in_force: bool | None = Field(None, description="true: only those in force now; false: only those ended")


class WarningFacts(BaseModel):
    """What every answer about a warning says of it."""

    id: int
    kind: WarningKind
    colour: WarningColour | None
    category: IncidentCategory
    level: IncidentLevel | None
    headline: str
    source: str = Field(description="officer, or cap (read from a CAP file)")
    sender_name: str
    effective_at: datetime
    expires_at: datetime
    lifted_at: datetime | None
    in_force: bool


class WarningBrief(WarningFacts):
    """A warning in a list: what the board shows of it (its description and cells: GET /api/warnings/{id})."""

    cell_count: int = Field(description="grid cells it covers")


class WarningOut(WarningFacts):
    description: str
    cells: list[Ref]


class ImportedOut(BaseModel):
    warning: WarningOut
    outcome: str = Field(
        description="issued, updated, cancelled; widened (read before by a narrower scope: the cells of your scope "
        "were added and their teams asked), or unchanged (this alert was read before)"
    )
    left_out: list[Ref] = Field(
        default_factory=list,
        description="subdistricts of the alert's area the warning does not cover: a subdistrict's officer reads in "
        "their own only; the county's administrators read in the rest",
    )
    notice: str | None = Field(None, description="what was left out, in words (none when nothing was)")


class ReadinessOut(BaseModel):
    subdistrict: Ref
    skill: str
    asked: int = Field(description="teams asked")
    answered: int = Field(description="teams that answered")
    ready: int = Field(description="people ready, by the answers")
    needed: int = Field(description="people the covering plans' tasks need")


class PollOut(BaseModel):
    id: int
    warning_id: int
    warning: str = Field(description="the warning in words: 台风橙色预警")
    organization: Ref
    asked_at: datetime
    asked_again_at: datetime | None
    answered_at: datetime | None
    ready: int | None = Field(description="people ready; none until answered")
    expires_at: datetime = Field(description="when the warning ends, and the answer with it")


class StandbyOut(BaseModel):
    warning: WarningOut
    readiness: list[ReadinessOut]
    polls: list[PollOut]


class PollList(BaseModel):
    items: list[PollOut]


class AskedOut(BaseModel):
    asked: int = Field(description="teams texted the question again")
    throttled: int = Field(0, description="teams that have not answered but were texted within 5 minutes: not texted now")
    notice: str | None = Field(None, description="why some teams were not texted, for the board to show")


class StandbyAnswerIn(Strict):
    ready: JsonInt = Field(ge=0, le=1000, description="how many people could go now (0: none)")
