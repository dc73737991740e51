"""Incidents, needs, offers and events as the API shows them, in the caller's language."""

from __future__ import annotations

from dispatch.domain.navigation import navigation_links
from dispatch.event_words import event_text
from dispatch.models import Assignment, Event, Incident, Need, Organization
from dispatch.schemas.common import PointOut, Ref
from dispatch.schemas.dispatching import AssignmentOut, CandidateOut, EventOut, IncidentOut, NeedOut, TaskOut
from dispatch.schemas.navigation import MapLinkOut
from geo.distance import geodesic_m


def incident_out(incident: Incident, language: str) -> IncidentOut:
    sub = incident.subdistrict
    return IncidentOut(
        id=incident.id, title=incident.title, category=incident.category, level=incident.level,
        subdistrict=Ref(id=sub.id, code=sub.code, name=sub.label(language)), status=incident.status,
        drill=incident.drill, escalated=incident.escalated, affected_cells=[Ref(id=c.id, code=c.code, name=c.name) for c in incident.cells],
        needs=[need.id for need in incident.needs], created_at=incident.created_at, closed_at=incident.closed_at,
    )  # fmt: skip


def assignment_out(assignment: Assignment, language: str, task: TaskOut | None = None) -> AssignmentOut:
    """``task``: the need's task, when the caller already has it (a need's offers all share one)."""
    org = assignment.organization
    return AssignmentOut(
        id=assignment.id, need_id=assignment.need_id, incident_id=assignment.need.incident_id,
        organization=Ref(id=org.id, name=org.name),
        organization_base=PointOut(lon=org.base_lon, lat=org.base_lat) if org.base_lon is not None else None,
        distance_m=distance_m(org, assignment.need), state=assignment.state, head_count=assignment.head_count,
        short_code=assignment.short_code, rank=assignment.rank, reason=assignment.reason_en if language == "en" else assignment.reason_zh,
        offered_at=assignment.offered_at, deadline=assignment.deadline, answered_at=assignment.answered_at,
        note=assignment.note, drill=assignment.need.incident.drill, task=task or task_out(assignment.need, language),
    )  # fmt: skip


def task_out(need: Need, language: str) -> TaskOut:
    place = place_name(need, language)
    return TaskOut(
        skills=[s.label(language) for s in need.skills], still_needed=need.still_needed, head_count=need.head_count,
        priority=need.priority, address=need.address, place_name=place,
        location=PointOut(lon=need.lon, lat=need.lat), description=need.description, incident_title=need.incident.title, kind=need.kind,
        navigation=[MapLinkOut(**vars(link)) for link in navigation_links(need.lon, need.lat, place)],
    )  # fmt: skip


def distance_m(organization: Organization, need: Need) -> float | None:
    """How far the organization's base is from the need, as a person reads it (geodesic, to the metre)."""
    if organization.base_lon is None or organization.base_lat is None:
        return None
    return round(geodesic_m(organization.base_lon, organization.base_lat, need.lon, need.lat))


def need_out(need: Need, language: str) -> NeedOut:
    cell = need.cell
    task = task_out(need, language) if need.assignments else None
    return NeedOut(
        id=need.id, incident_id=need.incident_id, skills=[s.code for s in need.skills], head_count=need.head_count,
        accepted=need.accepted, still_needed=need.still_needed, priority=need.priority,
        location=PointOut(lon=need.lon, lat=need.lat), address=need.address, place_name=place_name(need, language),
        cell=Ref(id=cell.id, code=cell.code, name=cell.name) if cell else None, window_start=need.window_start,
        window_end=need.window_end, description=need.description, policy=need.policy, broadcast_k=need.broadcast_k,
        offer_timeout_s=need.offer_timeout_s, status=need.status, kind=need.kind,
        radius_km=None if need.radius_m is None else need.radius_m / 1000,
        assignments=[assignment_out(a, language, task) for a in need.assignments], created_at=need.created_at,
    )  # fmt: skip


def place_name(need: Need, language: str) -> str:
    """Where the need is, in the reader's language (English names where known, else the Chinese)."""
    return (need.place_name_en or need.place_name) if language == "en" else need.place_name


def candidate_out(candidate, names: dict[int, str], offered: dict, language: str) -> CandidateOut:
    return CandidateOut(
        organization=Ref(id=candidate.org_id, name=names.get(candidate.org_id, "")), score=round(candidate.score, 4),
        parts={k: round(v, 4) for k, v in candidate.parts.items()}, distance_m=round(candidate.distance_m, 1),
        free=candidate.free, reason=candidate.reason_en if language == "en" else candidate.reason_zh,
        offered=offered.get(candidate.org_id),
    )  # fmt: skip


def event_out(event: Event, language: str) -> EventOut:
    data = event_data(event.data or {}, language)
    if (text := event_text(event.kind, data, language)) is not None:  # said in a sentence: the timeline shows it
        data = {**data, "text": text}
    return EventOut(
        id=event.id, kind=event.kind, at=event.at, incident_id=event.incident_id, need_id=event.need_id,
        assignment_id=event.assignment_id, organization_id=event.organization_id, drill=event.drill, data=data,
    )  # fmt: skip


def event_data(data: dict, language: str) -> dict:
    """An offer's reasons are kept in both languages (``reason``, ``reason_en``); ``reason`` is shown in the reader's."""
    if "reason_en" not in data:
        return data
    return {**data, "reason": data["reason_en"] if language == "en" else data["reason"]}
