"""Places: County → Subdistrict → Community → GridCell."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import Enum as SqlEnum
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from dispatch.domain.registry import SubdistrictKind
from dispatch.extensions import db
from dispatch.models.types import EncryptedText, UtcDateTime, utcnow
from dispatch.personal_data.keys import phone_hash
from geo.nearby import LandmarkKind


def enum_column(enum: type) -> SqlEnum:
    """Store an enum by its value (``street``), checked by the database, portable across dialects."""
    return SqlEnum(enum, values_callable=lambda e: [m.value for m in e], native_enum=False, length=32)


class Named:
    """Places read in the user's language: the English name when asked for and known, else the Chinese.

    For models with ``name_zh`` and ``name_en`` columns (declared on each model, not here).
    """

    def label(self, language: str) -> str:
        return (self.name_en or self.name_zh) if language == "en" else self.name_zh


class County(Named, db.Model):
    __tablename__ = "counties"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")

    subdistricts: Mapped[list[Subdistrict]] = relationship(back_populates="county")


class Subdistrict(Named, db.Model):
    __tablename__ = "subdistricts"

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    code: Mapped[str] = mapped_column(String(12), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[SubdistrictKind] = mapped_column(enum_column(SubdistrictKind))

    county: Mapped[County] = relationship(back_populates="subdistricts")
    communities: Mapped[list[Community]] = relationship(back_populates="subdistrict")


class Community(Named, db.Model):
    __tablename__ = "communities"

    id: Mapped[int] = mapped_column(primary_key=True)
    subdistrict_id: Mapped[int] = mapped_column(ForeignKey("subdistricts.id"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")

    subdistrict: Mapped[Subdistrict] = relationship(back_populates="communities")
    cells: Mapped[list[GridCell]] = relationship(back_populates="community")


class GridCell(db.Model):
    """A grid cell (网格): a polygon in WGS-84 kept as GeoJSON, with its bounding box for quick filters."""

    __tablename__ = "grid_cells"
    __table_args__ = (Index("ix_grid_cells_bbox", "min_lon", "min_lat", "max_lon", "max_lat"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    geometry: Mapped[str] = mapped_column(Text)
    min_lon: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lon: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    worker_name: Mapped[str] = mapped_column(String(50), default="")
    worker_phone: Mapped[str | None] = mapped_column(EncryptedText("grid_cells.worker_phone"))
    worker_phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)

    community: Mapped[Community] = relationship(back_populates="cells")

    @validates("worker_phone")
    def _hash_worker_phone(self, _key: str, phone: str | None) -> str | None:
        self.worker_phone_hash = phone_hash(phone)
        return phone


class Landmark(Named, db.Model):
    """A landmark or road local people know (地标、道路), named in messages as "…附近": a point, or for a road
    optionally its line (a GeoJSON LineString's coordinates, WGS-84), nearest by distance."""

    __tablename__ = "landmarks"
    __table_args__ = (UniqueConstraint("county_id", "kind", "name_zh", name="uq_landmarks_county_kind_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    county_id: Mapped[int] = mapped_column(ForeignKey("counties.id"), index=True)
    kind: Mapped[LandmarkKind] = mapped_column(enum_column(LandmarkKind))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    lon: Mapped[float] = mapped_column(Float)
    lat: Mapped[float] = mapped_column(Float)
    line: Mapped[list | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
