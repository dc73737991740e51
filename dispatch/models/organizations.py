"""Community social organizations (社区社会组织), their skills, cells and members."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Column, Date, Float, ForeignKey, Integer, String, Table, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from dispatch.domain.registry import ManagingBody, OrgStatus, managing_body
from dispatch.extensions import db
from dispatch.models.places import Community, GridCell, enum_column
from dispatch.models.skills import Skill
from dispatch.models.types import EncryptedText, UtcDateTime, utcnow
from dispatch.personal_data.keys import phone_hash

organization_cells = Table(
    "organization_cells",
    db.metadata,
    Column("organization_id", ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True),
    Column("cell_id", ForeignKey("grid_cells.id", ondelete="CASCADE"), primary_key=True, index=True),
)

member_skills = Table(
    "member_skills",
    db.metadata,
    Column("member_id", ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id"), primary_key=True),
)


class Organization(db.Model):
    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("community_id", "name", name="uq_organizations_community_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    status: Mapped[OrgStatus] = mapped_column(enum_column(OrgStatus))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    base_lon: Mapped[float | None] = mapped_column(Float)
    base_lat: Mapped[float | None] = mapped_column(Float)
    leader_name: Mapped[str] = mapped_column(String(50))
    leader_phone: Mapped[str] = mapped_column(EncryptedText("organizations.leader_phone"))
    leader_phone_hash: Mapped[str] = mapped_column(String(64), index=True)  # SMS replies find the leader by it
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    community: Mapped[Community] = relationship()
    skills: Mapped[list[OrganizationSkill]] = relationship(
        back_populates="organization", cascade="all, delete-orphan", order_by="OrganizationSkill.skill_id"
    )
    cells: Mapped[list[GridCell]] = relationship(secondary=organization_cells, order_by=GridCell.id)
    members: Mapped[list[Member]] = relationship(back_populates="organization", order_by="Member.id")

    @validates("leader_phone")
    def _hash_leader_phone(self, _key: str, phone: str) -> str:
        self.leader_phone_hash = phone_hash(phone)
        return phone

    @property
    def managing_body(self) -> ManagingBody:
        return managing_body(self.status)


class OrganizationSkill(db.Model):
    """A skill an organization offers, with how many people it can send for it."""

    __tablename__ = "organization_skills"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True, index=True)
    capacity: Mapped[int] = mapped_column(Integer)

    organization: Mapped[Organization] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class Member(db.Model):
    """A volunteer (志愿者) of an organization."""

    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("organization_id", "phone_hash", name="uq_members_organization_phone_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    # None once the member is forgotten (left, or asked to be): name and phone gone, their work kept as counts.
    phone: Mapped[str | None] = mapped_column(EncryptedText("members.phone"))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    forgotten_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Off duty (休息) until ``off_until`` if given, else until the leader says otherwise: a member sent home for the
    # night comes back by themselves, nobody has to remember to flip them back. See ``on_duty_at``.
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    off_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    duty_changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    duty_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    organization: Mapped[Organization] = relationship(back_populates="members")
    skills: Mapped[list[Skill]] = relationship(secondary=member_skills, order_by=Skill.id)
    certifications: Mapped[list[Certification]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Certification.expires_on"
    )

    def on_duty_at(self, now: datetime) -> bool:
        """Whether the member may be sent at ``now``: on duty, or off only until a time that has passed."""
        return self.on_duty or (self.off_until is not None and self.off_until <= now)

    @validates("phone")
    def _hash_phone(self, _key: str, phone: str | None) -> str | None:
        self.phone_hash = phone_hash(phone)
        return phone


class Certification(db.Model):
    __tablename__ = "certifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    issuer: Mapped[str] = mapped_column(String(100), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)

    member: Mapped[Member] = relationship(back_populates="certifications")
    skill: Mapped[Skill] = relationship()

    def valid_on(self, day: date) -> bool:
        return day <= self.expires_on
