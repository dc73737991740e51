"""The skill taxonomy, kept as data."""

from __future__ import annotations

from sqlalchemy import Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.extensions import db


class Skill(db.Model):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    label_zh: Mapped[str] = mapped_column(String(50))
    label_en: Mapped[str] = mapped_column(String(80))
    needs_certification: Mapped[bool] = mapped_column(Boolean, default=False)

    def label(self, language: str) -> str:
        return self.label_en if language == "en" else self.label_zh
