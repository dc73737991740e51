"""Records as the API shows them: scoped phone masking and the language of labels."""

from __future__ import annotations

from datetime import date

from dispatch.domain.phone import mask
from dispatch.domain.scope import Actor, sees_phone_numbers, sees_worker_phone
from dispatch.models import Certification, Community, GridCell, Member, Organization, Subdistrict
from dispatch.schemas.common import PointOut, Ref
from dispatch.schemas.organizations import CertificationOut, MemberOut, OrganizationOut, SkillCapacityOut
from dispatch.schemas.places import CellOut, CommunityOut, SubdistrictOut
from dispatch.services.registry.cells import geometry_of


def organization_out(org: Organization, actor: Actor, language: str, member_count: int, reveal: bool = False) -> OrganizationOut:
    """``reveal``: the caller asked for numbers in full (``?phones=full``); only those who may see them get them."""
    community, subdistrict = org.community, org.community.subdistrict
    phone = org.leader_phone if reveal and sees_phone_numbers(actor, org.id) else mask(org.leader_phone)
    return OrganizationOut(
        id=org.id,
        name=org.name,
        status=org.status,
        managing_body=org.managing_body,
        credit_code=org.credit_code,
        community=Ref(id=community.id, code=community.code, name=community.label(language)),
        subdistrict=Ref(id=subdistrict.id, code=subdistrict.code, name=subdistrict.label(language)),
        cells=[Ref(id=c.id, code=c.code, name=c.name) for c in org.cells],
        base=PointOut(lon=org.base_lon, lat=org.base_lat) if org.base_lon is not None else None,
        skills=[SkillCapacityOut(code=s.skill.code, label=s.skill.label(language), capacity=s.capacity) for s in org.skills],
        leader_name=org.leader_name,
        leader_phone=phone,
        active=org.active,
        member_count=member_count,
        created_at=org.created_at,
        updated_at=org.updated_at,
    )


def member_out(member: Member, actor: Actor, today: date, reveal: bool = False) -> MemberOut:
    entitled = reveal and sees_phone_numbers(actor, member.organization_id)
    phone = (member.phone if entitled else mask(member.phone)) or ""
    return MemberOut(
        id=member.id,
        organization_id=member.organization_id,
        name=member.name,
        phone=phone,
        skills=[skill.code for skill in member.skills],
        certifications=[certification_out(c, today) for c in member.certifications],
    )


def certification_out(cert: Certification, today: date) -> CertificationOut:
    return CertificationOut(
        skill=cert.skill.code,
        issuer=cert.issuer,
        issued_on=cert.issued_on,
        expires_on=cert.expires_on,
        valid=cert.valid_on(today),
    )


def cell_out(cell: GridCell, actor: Actor, language: str, repairs: list[str] | None = None, reveal: bool = False) -> CellOut:
    return CellOut(
        id=cell.id,
        code=cell.code,
        name=cell.name,
        community=Ref(id=cell.community.id, code=cell.community.code, name=cell.community.label(language)),
        geometry=geometry_of(cell),
        worker_name=cell.worker_name,
        worker_phone=cell.worker_phone if reveal and sees_worker_phone(actor, cell.id) else mask(cell.worker_phone) or None,
        repairs=repairs or [],
    )


def subdistrict_out(sub: Subdistrict, language: str) -> SubdistrictOut:
    county = Ref(id=sub.county.id, code=sub.county.code, name=sub.county.label(language))
    return SubdistrictOut(
        id=sub.id,
        code=sub.code,
        name=sub.label(language),
        name_zh=sub.name_zh,
        name_en=sub.name_en,
        kind=sub.kind,
        county=county,
    )


def community_out(community: Community, language: str) -> CommunityOut:
    sub = community.subdistrict
    return CommunityOut(
        id=community.id,
        code=community.code,
        name=community.label(language),
        subdistrict=Ref(id=sub.id, code=sub.code, name=sub.label(language)),
    )
