"""The skill taxonomy: seeding and lookups by code, and the per-process copy that posting a need reads."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from flask import current_app
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
    if missing and (cache := current_app.extensions.get("dispatch.skills")) is not None:
        cache.invalidate()
    return len(missing)


@dataclass(frozen=True)
class SkillFacts:
    """A skill's row, as the per-process copy keeps it."""

    id: int
    code: str
    label_zh: str
    label_en: str
    needs_certification: bool


MAX_AGE_S = 60.0  # a label edited in the database is seen within this


class SkillCache:
    """Every skill by code, read once per process: the taxonomy only grows (``seed_skills``, run by ``flask setup``),
    so a code not in the copy reads it again, as does its age past ``MAX_AGE_S``. Posting a need asks it instead of
    the database (tests/bench/README.md, issue 18)."""

    def __init__(self) -> None:
        self._by_code: dict[str, SkillFacts] = {}
        self._read_at = -MAX_AGE_S
        self._lock = threading.Lock()

    def by_codes(self, codes: list[str]) -> dict[str, SkillFacts]:
        """The skills of these codes that exist (an unknown code is left out)."""
        if time.monotonic() - self._read_at > MAX_AGE_S or any(code not in self._by_code for code in codes):
            self._read()
        known = self._by_code
        return {code: known[code] for code in codes if code in known}

    def invalidate(self) -> None:
        self._read_at = -MAX_AGE_S

    def _read(self) -> None:
        with self._lock:
            rows = db.session.execute(select(Skill.id, Skill.code, Skill.label_zh, Skill.label_en, Skill.needs_certification))
            self._by_code = {row.code: SkillFacts(*row) for row in rows}  # swapped in by one assignment
            self._read_at = time.monotonic()


def skill_cache() -> SkillCache:
    return current_app.extensions["dispatch.skills"]
