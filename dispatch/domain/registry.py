"""Registry vocabulary (Articles 1, 3 and 11 of the decision)."""

from __future__ import annotations

from enum import Enum


class SubdistrictKind(str, Enum):
    STREET = "street"  # 街道
    TOWNSHIP = "township"  # 乡镇


class OrgStatus(str, Enum):
    REGISTERED = "registered"  # 登记: county civil affairs
    FILED = "filed"  # 备案: the subdistrict
    GUIDED = "guided"  # 村(居)委会指导的群众活动团体


class ManagingBody(str, Enum):
    COUNTY = "county"
    SUBDISTRICT = "subdistrict"
    COMMUNITY = "community"


MANAGING_BODY = {
    OrgStatus.REGISTERED: ManagingBody.COUNTY,
    OrgStatus.FILED: ManagingBody.SUBDISTRICT,
    OrgStatus.GUIDED: ManagingBody.COMMUNITY,
}


def managing_body(status: OrgStatus) -> ManagingBody:
    """Article 3: who registers, files or guides an organization of this status."""
    return MANAGING_BODY[status]


def credit_code_required(status: OrgStatus) -> bool:
    return status is OrgStatus.REGISTERED
