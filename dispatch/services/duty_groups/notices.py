"""The event log's hook: every event a duty group must hear becomes a pending notice for each active group covering
its subdistrict (the subdistrict's own groups and its county's), written in the event's transaction.

``notices_for`` runs before the event counter is locked (its reads must not lengthen the lock), ``keep_notices``
after the events have their ids; the notices are inserted by the commit's own flush.
"""

from __future__ import annotations

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from dispatch.domain.duty_groups import Facts, is_notice, notice_text
from dispatch.models import Assignment, DutyGroup, Event, GroupNotice, Incident, Need, Organization, Subdistrict
from dispatch.services.noted_events import NotedEvent


def notices_for(session: Session, events: list[NotedEvent]) -> list[tuple[GroupNotice, NotedEvent]]:
    """The notices these events owe, not yet added (their events have no ids yet)."""
    telling = [event for event in events if is_notice(event.kind) and event.subdistrict_id]
    if not telling:
        return []
    covering = _covering(session, {event.subdistrict_id for event in telling})
    notices = []
    for event in telling:
        if groups := covering.get(event.subdistrict_id):
            text = notice_text(facts_of(session, event))
            notices += [(GroupNotice(duty_group_id=gid, kind=event.kind, text=text, status="pending"), event) for gid in groups]
    return notices


def keep_notices(session: Session, notices: list[tuple[GroupNotice, NotedEvent]]) -> None:
    """Name each notice's event, now that it has its id, and add it to the committing transaction."""
    for notice, event in notices:
        notice.event_id, notice.key = event.id, f"event:{event.id}"
        session.add(notice)


def _covering(session: Session, subdistrict_ids: set[int]) -> dict[int, list[int]]:
    """Subdistrict id → the active groups that hear it: its own, and its county's. One query."""
    county_wide = and_(DutyGroup.subdistrict_id.is_(None), DutyGroup.county_id == Subdistrict.county_id)
    rows = session.execute(
        select(Subdistrict.id, DutyGroup.id)
        .join(DutyGroup, or_(DutyGroup.subdistrict_id == Subdistrict.id, county_wide))
        .where(Subdistrict.id.in_(subdistrict_ids), DutyGroup.active.is_(True))
        .order_by(DutyGroup.id)
    )
    covering: dict[int, list[int]] = {}
    for subdistrict_id, group_id in rows:
        covering.setdefault(subdistrict_id, []).append(group_id)
    return covering


def facts_of(session: Session, event: Event | NotedEvent) -> Facts:
    """What the event's notice says, from the records it names (already in the session, mostly)."""
    incident = session.get(Incident, event.incident_id) if event.incident_id else None
    need = session.get(Need, event.need_id) if event.need_id else None
    assignment = session.get(Assignment, event.assignment_id) if event.assignment_id else None
    organization = session.get(Organization, event.organization_id) if event.organization_id else None
    data = event.data or {}
    return Facts(
        kind=event.kind,
        incident=incident.title if incident else "",
        level=incident.level.value if incident else "",
        drill=bool(event.drill),
        need=(need.place_name or need.address or need.description) if need else "",
        still_needed=data.get("still_needed"),
        options=tuple(data.get("options", ())),
        organization=organization.name if organization else (assignment.organization.name if assignment else ""),
        error=str(data.get("error") or data.get("error_code") or ""),
    )
