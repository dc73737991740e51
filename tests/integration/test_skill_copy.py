"""The per-process copy of the skill taxonomy that posting a need reads instead of the database."""

from __future__ import annotations

from sqlalchemy import update

from dispatch.extensions import db
from dispatch.models import Skill
from dispatch.services.registry import skills
from dispatch.services.rows import attached_as_loaded


def test_a_skill_added_after_the_copy_was_read_is_found_by_its_code(app):
    copy = app.extensions["dispatch.skills"]
    assert "first_aid" in copy.by_codes(["first_aid"])
    db.session.add(Skill(code="drone_survey", label_zh="无人机勘察", label_en="Drone survey"))
    db.session.commit()
    assert copy.by_codes(["drone_survey", "no_such_skill"]).keys() == {"drone_survey"}


def test_a_label_edited_in_the_database_is_seen_once_the_copy_is_old(app, monkeypatch):
    copy = app.extensions["dispatch.skills"]
    assert copy.by_codes(["first_aid"])["first_aid"].label_zh == "应急救护"
    db.session.execute(update(Skill).where(Skill.code == "first_aid").values(label_zh="医疗急救"))
    db.session.commit()
    assert copy.by_codes(["first_aid"])["first_aid"].label_zh == "应急救护"  # still the copy
    later = skills.time.monotonic() + skills.MAX_AGE_S + 1
    monkeypatch.setattr(skills.time, "monotonic", lambda: later)
    assert copy.by_codes(["first_aid"])["first_aid"].label_zh == "医疗急救"


def test_seeding_skills_again_after_they_were_wiped_refreshes_the_copy(app):
    copy = app.extensions["dispatch.skills"]
    before = copy.by_codes(["first_aid"])["first_aid"]
    db.session.query(Skill).filter(Skill.code == "first_aid").delete()
    db.session.commit()
    assert skills.seed_skills() == 1
    assert copy.by_codes(["first_aid"])["first_aid"].id != before.id


def test_an_object_attached_from_the_copy_is_the_sessions_own_when_it_has_one(app):
    loaded = db.session.scalars(db.select(Skill).where(Skill.code == "first_aid")).one()
    facts = app.extensions["dispatch.skills"].by_codes(["first_aid"])["first_aid"]
    assert attached_as_loaded(Skill, id=facts.id, code=facts.code) is loaded
    db.session.expunge(loaded)
    attached = attached_as_loaded(Skill, id=facts.id, code=facts.code)
    assert attached is not loaded and attached in db.session
    assert attached.label_en == loaded.label_en  # a column not given loads when read
