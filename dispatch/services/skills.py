"""The skill taxonomy: seeding and lookups by code."""

from __future__ import annotations

from sqlalchemy import select

from dispatch.domain.skills import SKILL_SEEDS
from dispatch.extensions import db
from dispatch.models import Skill


def list_skills() -> list[Skill]:
    return list(db.session.scalars(select(Skill).order_by(Skill.id)))


def skills_by_code() -> dict[str, Skill]:
    return {skill.code: skill for skill in list_skills()}


def seed_skills() -> int:
    """Add the seeded skills that are missing (labels already stored are left as edited). Returns how many were added."""
    existing = set(db.session.scalars(select(Skill.code)))
    missing = [seed for seed in SKILL_SEEDS if seed.code not in existing]
    db.session.add_all(
        Skill(code=s.code, label_zh=s.label_zh, label_en=s.label_en, needs_certification=s.needs_certification) for s in missing
    )
    db.session.commit()
    return len(missing)
