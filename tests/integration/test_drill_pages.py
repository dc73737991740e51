"""The drill pages: a scenario posted from the form starts a drill and shows its report; a malformed one is listed
line by line on the page and changes nothing."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import DrillRun, Event, Incident, Need

GOOD = """title: 防汛演练(页面)
steps:
  - at: 0m
    need: {skills: [logistics], head_count: 2, address: {address}}
"""

BAD = """title: 防汛演练
steps:
  - at: soon
    need: {skills: [logistics], head_count: 0}
"""


def counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (DrillRun, Incident, Need, Event))


def form(text: str, mode: str = "manual") -> dict:
    return {"file": (io.BytesIO(text.encode("utf-8")), "drill.yaml"), "mode": mode}


def test_a_scenario_file_starts_a_drill_and_its_report_page_shows_the_steps(world, browser):
    duty = browser(world.duty)
    started = duty.send(
        "POST", "/drills", None, data=form(GOOD.replace("{address}", world.cell_a1.name)), content_type="multipart/form-data"
    )
    assert started.status_code == 302
    report = duty.get(started.headers["Location"])
    page = report.get_data(as_text=True)
    assert report.status_code == 200 and "防汛演练(页面)" in page and 'data-step="1"' in page
    assert "后勤物资保障 × 2" in page  # skills by name, in the reader's language
    stepped = duty.send(
        "POST", started.headers["Location"].replace("/report", "/step"), None, data={}, content_type="multipart/form-data"
    )
    assert stepped.status_code == 302
    assert 'data-outcome="open"' in duty.get(started.headers["Location"]).get_data(as_text=True)


def test_a_malformed_scenario_is_listed_by_line_and_changes_nothing(world, browser):
    duty = browser(world.duty, language="en")
    before = counts()
    refused = duty.send("POST", "/drills", None, data=form(BAD), content_type="multipart/form-data")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert '<td data-label="Line">3</td>' in page and "<code>steps[1].at</code>" in page
    assert counts() == before


def test_leaders_and_grid_workers_have_no_drill_pages(world, browser):
    for user in (world.leader, world.grid):
        assert browser(user).get("/drills").status_code == 403
