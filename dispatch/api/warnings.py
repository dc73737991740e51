"""/api/warnings: early warnings (预警) of the county, read from CAP files or entered by an officer, and lifted; the
standby (备勤) they start: readiness, asking again; /api/standby: a leader's questions and answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from flask import Blueprint
from spectree import Response
from sqlalchemy import select

from dispatch.api.spec import spec
from dispatch.api.validation import check_json_body
from dispatch.auth import current_actor
from dispatch.domain.plans.standby import warning_words
from dispatch.extensions import db
from dispatch.i18n import language
from dispatch.messages import message
from dispatch.models import EarlyWarning, Organization, StandbyPoll, Subdistrict
from dispatch.schemas.common import ErrorOut, KeyedHeaders, Page, Ref, idempotency_key_header
from dispatch.schemas.warnings import (
    AskedOut,
    CapIn,
    ImportedOut,
    PollList,
    PollOut,
    ReadinessOut,
    StandbyAnswerIn,
    StandbyOut,
    WarningBrief,
    WarningIn,
    WarningOut,
    WarningQuery,
)
from dispatch.services.plans import cap_warnings, standby, warnings

bp = Blueprint("api_warnings", __name__, url_prefix="/api")
bp.before_request(check_json_body)

ERRORS = {"HTTP_401": ErrorOut, "HTTP_403": ErrorOut, "HTTP_404": ErrorOut, "HTTP_409": ErrorOut, "HTTP_422": ErrorOut}
TAGS = ["warnings"]


class KeyHeaders(KeyedHeaders):
    idempotency_key: str | None = idempotency_key_header("enters one warning")


DECLARED = re.compile(r"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def as_declared(text: str) -> bytes:
    """The alert's bytes in the encoding its declaration names (JSON carried it as text): a GBK feed pasted into the
    API reads as GBK, not as UTF-8 bytes read as GBK."""
    match = DECLARED.match(text)
    try:
        return text.encode(match.group(1) if match else "utf-8")
    except (LookupError, UnicodeEncodeError):
        return text.encode("utf-8")  # a made-up or too small encoding: the reader says so


def warning_out(warning: EarlyWarning) -> WarningOut:
    return WarningOut(
        id=warning.id, kind=warning.kind, colour=warning.colour, category=warning.category, level=warning.level,
        headline=warning.headline, description=warning.description, source=warning.source, sender_name=warning.sender_name,
        effective_at=warning.effective_at, expires_at=warning.expires_at, lifted_at=warning.lifted_at,
        in_force=warning.in_force(datetime.now(UTC)), cells=[Ref(id=c.id, code=c.code, name=c.name) for c in warning.cells],
    )  # fmt: skip


def warning_brief(warning: EarlyWarning) -> WarningBrief:
    return WarningBrief(
        id=warning.id, kind=warning.kind, colour=warning.colour, category=warning.category, level=warning.level,
        headline=warning.headline, source=warning.source, sender_name=warning.sender_name,
        effective_at=warning.effective_at, expires_at=warning.expires_at, lifted_at=warning.lifted_at,
        in_force=warning.in_force(datetime.now(UTC)), cell_count=len(warning.cells),
    )  # fmt: skip


@bp.get("/warnings")
@spec.validate(query=WarningQuery, resp=Response(HTTP_200=Page[WarningBrief], **ERRORS), tags=TAGS)
def list_warnings(query: WarningQuery):
    """The warnings you see in force, and those ended within the past week, the latest first, a page at a time
    (``in_force=true``: those in force only); each one's description and cells: GET /api/warnings/{id}."""
    items, total = warnings.list_warnings(current_actor(), query)
    return Page[WarningBrief](items=[warning_brief(w) for w in items], page=query.page, per_page=query.per_page, total=total)


@bp.post("/warnings")
@spec.validate(json=WarningIn, headers=KeyHeaders, resp=Response(HTTP_200=WarningOut, HTTP_201=WarningOut, **ERRORS), tags=TAGS)
def issue_warning(json: WarningIn, headers: KeyHeaders):
    """Enter a warning by hand (heard on the radio, say): its kind, colour and the subdistricts it covers. 201 when
    entered, 200 when the Idempotency-Key was seen before (nobody is asked again)."""
    warning, created = warnings.issue_warning(
        current_actor(), json.kind, json.colour, json.headline, json.hours, json.subdistrict_ids,
        json.ask_all_with_skills, headers.idempotency_key,
    )  # fmt: skip
    return warning_out(warning), 201 if created else 200


@bp.post("/warnings/cap")
@spec.validate(json=CapIn, resp=Response(HTTP_200=ImportedOut, **ERRORS), tags=TAGS)
def import_cap(json: CapIn):
    """Read one CAP 1.2 alert: a new warning, or an Update or a Cancel of one read before. A bad file, an XML bomb,
    an alert without an area or one outside the county changes nothing; the same alert read twice changes nothing,
    unless read from a wider scope: a subdistrict's officer reads in their subdistrict's part alone (``left_out``
    names the rest), and the county's administrators reading it again widen the warning to the county's part."""
    found = cap_warnings.import_cap(current_actor(), as_declared(json.cap), ask_all_with_skills=json.ask_all_with_skills)
    lang = language()
    left_out = [
        Ref(id=s.id, code=s.code, name=s.label(lang))
        for s in db.session.scalars(select(Subdistrict).where(Subdistrict.id.in_(found.left_out)).order_by(Subdistrict.id))
    ]
    names = "、" if lang == "zh" else ", "
    notice = message("warning.left_out", lang, subdistricts=names.join(s.name for s in left_out)) if left_out else None
    return ImportedOut(warning=warning_out(found.warning), outcome=found.outcome, left_out=left_out, notice=notice)


@bp.get("/warnings/<int:warning_id>")
@spec.validate(resp=Response(HTTP_200=WarningOut, **ERRORS), tags=TAGS)
def get_warning(warning_id: int):
    return warning_out(warnings.get_warning(current_actor(), warning_id))


@bp.post("/warnings/<int:warning_id>/lift")
@spec.validate(resp=Response(HTTP_200=WarningOut, **ERRORS), tags=TAGS)
def lift_warning(warning_id: int):
    """End the warning before it expires; 409 when it has ended already (lifted, cancelled or expired)."""
    return warning_out(warnings.lift_warning(current_actor(), warning_id))


def poll_out(poll: StandbyPoll, names: dict[int, str]) -> PollOut:
    warning = poll.warning
    return PollOut(
        id=poll.id, warning_id=poll.warning_id, warning=warning_words(warning.kind, warning.colour, language()),
        organization=Ref(id=poll.organization_id, name=names.get(poll.organization_id, "")), asked_at=poll.asked_at,
        asked_again_at=poll.asked_again_at, answered_at=poll.answered_at, ready=poll.ready, expires_at=warning.expires_at,
    )  # fmt: skip


def _names(polls: list[StandbyPoll]) -> dict[int, str]:
    ids = [p.organization_id for p in polls]
    return (
        dict(db.session.execute(select(Organization.id, Organization.name).where(Organization.id.in_(ids))).all()) if ids else {}
    )


@bp.get("/warnings/<int:warning_id>/standby")
@spec.validate(resp=Response(HTTP_200=StandbyOut, **ERRORS), tags=TAGS)
def readiness(warning_id: int):
    """Readiness while the warning stands, per subdistrict and skill: teams asked and answered, people ready, against
    the people the covering plans need; and each team's answer."""
    warning, rows, polls = standby.readiness_of(current_actor(), warning_id)
    subdistricts = {
        s.id: s for s in db.session.scalars(select(Subdistrict).where(Subdistrict.id.in_({r.subdistrict_id for r in rows})))
    }
    lang, names = language(), _names(polls)
    return StandbyOut(
        warning=warning_out(warning),
        readiness=[
            ReadinessOut(
                subdistrict=Ref(id=r.subdistrict_id, code=subdistricts[r.subdistrict_id].code, name=subdistricts[r.subdistrict_id].label(lang)),
                skill=r.skill, asked=r.asked, answered=r.answered, ready=r.ready, needed=r.needed,
            )
            for r in rows
            if r.subdistrict_id in subdistricts
        ],
        polls=[poll_out(p, names) for p in polls],
    )  # fmt: skip


@bp.post("/warnings/<int:warning_id>/ask-again")
@spec.validate(resp=Response(HTTP_200=AskedOut, **ERRORS), tags=TAGS)
def ask_again(warning_id: int):
    """Text the standby question again to every team that has not answered, unless texted within 5 minutes
    (``throttled``: those not texted for that, and ``notice`` says so); two officers pressing at once text a team once."""
    done = standby.ask_again(current_actor(), warning_id)
    notice = message("standby.throttled", language(), n=done.throttled) if done.throttled else None
    return AskedOut(asked=done.asked, throttled=done.throttled, notice=notice)


@bp.get("/standby")
@spec.validate(resp=Response(HTTP_200=PollList, **ERRORS), tags=TAGS)
def my_polls():
    """The standby questions of your team(s) while their warnings stand, the latest first."""
    polls = standby.open_polls(current_actor())
    names = _names(polls)
    return PollList(items=[poll_out(p, names) for p in polls])


@bp.post("/standby/<int:poll_id>/answer")
@spec.validate(json=StandbyAnswerIn, resp=Response(HTTP_200=PollOut, **ERRORS), tags=TAGS)
def answer(poll_id: int, json: StandbyAnswerIn):
    """Say how many people your team could send while the warning stands (0: none); answering again changes it."""
    poll = standby.answer(current_actor(), poll_id, json.ready)
    return poll_out(poll, _names([poll]))
