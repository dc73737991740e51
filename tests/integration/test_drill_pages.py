"""The drill pages: a scenario file posted from the page starts a drill and shows its report; a malformed one is
listed line by line on the page and changes nothing. The drill form builds the same scenario as the file that says the
same thing, and refuses the same mistakes with the same words, each beside the box it is about."""

from __future__ import annotations

import io
import re
from html import unescape

from sqlalchemy import func, select

from dispatch.domain.drill_scenario import parse_scenario
from dispatch.extensions import db
from dispatch.models import DrillRun, Event, Incident, Need
from dispatch.services.records import drills
from tests.integration.test_scope import middle_of

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


# The drill form: a title and rows of steps, read into the same scenario a file holds.

FORM_YAML = """title: 防汛演练(表单)
category: accident
level: III
steps:
  - at: 0m
    need: {{skills: [logistics], head_count: 5, address: {address}, description: 装填沙袋, priority: urgent}}
  - at: 5m
    need: {{skills: [first_aid], head_count: 2, location: {{lon: {lon}, lat: {lat}}}}}
"""


def drill_form(*steps: dict, title: str = "防汛演练(表单)", action: str = "start", **more: str) -> dict:
    """The drill form as a browser posts it: each step a row of boxes, then three blank rows like the page offers."""
    fields = {"source": "form", "action": action, "title": title, "category": "natural_disaster", "level": "IV"}
    blank = dict.fromkeys(("at", "skill", "head_count", "address", "lon", "lat", "description", "priority"), "")
    for index, step in enumerate([*steps, {}, {}, {}]):
        fields |= {f"steps-{index}-{key}": value for key, value in {**blank, **step}.items()}
    return fields | {"mode": "manual"} | more


def post_form(client, fields: dict):
    return client.send("POST", "/drills", None, data=fields, content_type="application/x-www-form-urlencoded")


def two_steps(world) -> tuple[dict, dict]:
    lon, lat = middle_of(world.cell_a1)
    sandbags = {"at": "0m", "skill": "logistics", "head_count": "5", "address": world.cell_a1.name,
                "description": "装填沙袋", "priority": "urgent"}  # fmt: skip
    first_aid = {"at": "5m", "skill": "first_aid", "head_count": "2", "lon": str(lon), "lat": str(lat)}
    return sandbags, first_aid


def run_of(response) -> DrillRun:
    db.session.expire_all()
    return db.session.get(DrillRun, int(response.headers["Location"].split("/")[-2]))


def test_a_drill_built_in_the_form_is_the_drill_its_yaml_file_describes(world, browser):
    duty = browser(world.duty)
    lon, lat = middle_of(world.cell_a1)
    written = FORM_YAML.format(address=world.cell_a1.name, lon=lon, lat=lat)
    built = post_form(duty, drill_form(*two_steps(world), category="accident", level="III"))
    assert built.status_code == 302
    from_file = duty.send("POST", "/drills", None, data=form(written), content_type="multipart/form-data")
    assert from_file.status_code == 302
    assert drills.scenario_of(run_of(built)) == drills.scenario_of(run_of(from_file)) == parse_scenario(written)
    report = duty.get(built.headers["Location"]).get_data(as_text=True)
    assert "防汛演练(表单)" in report and 'data-step="2"' in report
    assert "/drills/" in duty.get("/drills").get_data(as_text=True).split("防汛演练(表单)")[0]  # listed with its report


def test_the_forms_mistakes_are_the_files_mistakes_shown_beside_each_box_and_nothing_is_saved(world, browser):
    duty = browser(world.duty, language="en")
    before = counts()
    # As with a file, the scenario's own shape is checked first (title, times), then each step's need.
    times_wrong = [{"at": "25h", "head_count": "0", "address": world.cell_a1.name}, {"at": "soon", "head_count": "lots"}]
    same_as_a_file = f"title: ''\nsteps:\n  - at: 25h\n    need: {{head_count: 0, address: {world.cell_a1.name}}}\n" + (
        "  - at: soon\n    need: {head_count: lots}\n"
    )
    refused = post_form(duty, drill_form(*times_wrong, title=""))
    assert refused.status_code == 422
    said = file_errors(duty, same_as_a_file)
    assert said.keys() == {"title", "steps[1].at", "steps[2].at"}
    page = refused.get_data(as_text=True)
    for box, where in [("title", "title"), ("steps-0-at", "steps[1].at"), ("steps-1-at", "steps[2].at")]:
        assert beside(page, box) == said[where]
    assert said["steps[1].at"] == "“25h” is past the longest drill, 24h"
    assert 'value="25h"' in page and 'value="soon"' in page and 'value="lots"' in page  # what was typed, kept

    needs_wrong = [{"at": "0m", "head_count": "0", "address": world.cell_a1.name}, {"at": "5m", "head_count": "lots"}]
    refused = post_form(duty, drill_form(*needs_wrong))
    assert refused.status_code == 422
    said = file_errors(duty, same_as_a_file.replace("title: ''", "title: 演练").replace("25h", "0m").replace("soon", "5m"))
    page = refused.get_data(as_text=True)
    for box, where in [("steps-0-skill", "steps[1].need.skills"), ("steps-0-head_count", "steps[1].need.head_count"),
                       ("steps-1-skill", "steps[2].need.skills"), ("steps-1-head_count", "steps[2].need.head_count")]:  # fmt: skip
        assert beside(page, box) == said[where]
    assert (beside(page, "steps-0-skill"), beside(page, "steps-0-head_count")) == ("is required", "must be at least 1")
    assert f'value="{world.cell_a1.name}"' in page and '<input type="radio" name="mode" value="manual" checked>' in page
    assert counts() == before


def beside(page: str, box: str) -> str:
    """The message shown under a box of the drill form, which the box names as its description."""
    assert f'id="{box}" name="{box}"' in page and f'aria-describedby="{box}-error-1 "' in page, box
    return unescape(re.search(f'<p class="error" id="{box}-error-1">([^<]*)</p>', page)[1])


def file_errors(client, text: str) -> dict[str, str]:
    """What the file form says about a scenario: each problem's place and message."""
    page = client.send("POST", "/drills", None, data=form(text), content_type="multipart/form-data").get_data(as_text=True)
    rows = re.findall(r"<td data-label=\"Where\"><code>([^<]*)</code></td><td data-label=\"Problem\">([^<]*)</td>", page)
    return {unescape(where): unescape(said) for where, said in rows}


def test_the_unknown_skill_the_file_would_name_the_form_names_the_same_way(world, browser):
    duty = browser(world.duty)
    refused = post_form(duty, drill_form({"at": "0m", "skill": "juggling", "head_count": "1"}))
    assert refused.status_code == 422
    assert "未知技能：juggling" in refused.get_data(as_text=True)


def test_a_place_not_found_fails_its_step_as_in_a_file_and_the_report_says_why(world, browser):
    duty = browser(world.duty, language="en")
    started = post_form(duty, drill_form({"at": "0m", "skill": "logistics", "head_count": "1", "address": "无此地名"}))
    assert started.status_code == 302  # places are looked up when the step runs, for a file as for the form
    duty.send("POST", started.headers["Location"].replace("/report", "/step"), None, data={}, content_type="multipart/form-data")
    report = duty.get(started.headers["Location"]).get_data(as_text=True)
    assert 'data-outcome="failed"' in report and "address not found" in report


def test_one_more_step_and_show_as_yaml_keep_what_was_typed_and_save_nothing(world, browser):
    duty = browser(world.duty)
    before = counts()
    sandbags, first_aid = two_steps(world)
    more = post_form(duty, drill_form(sandbags, first_aid, action="add_step"))
    assert more.status_code == 200 and 'id="steps-5"' in more.get_data(as_text=True)  # two steps, three blank, one more
    assert 'value="装填沙袋"' in more.get_data(as_text=True)
    shown = post_form(duty, drill_form(sandbags, first_aid, action="yaml"))
    page = shown.get_data(as_text=True)
    yaml_text = unescape(page.split('<pre id="built-yaml"')[1].split(">", 1)[1].split("</pre>")[0])
    downloaded = post_form(duty, drill_form(sandbags, first_aid, action="download"))
    assert downloaded.headers["Content-Disposition"] == 'attachment; filename="drill.yaml"'
    assert downloaded.get_data(as_text=True) == yaml_text
    assert [s.need["skills"] for s in parse_scenario(yaml_text).steps] == [["logistics"], ["first_aid"]]
    assert counts() == before


def test_the_form_starts_drills_only_in_the_officers_own_subdistrict_and_not_for_leaders_or_grid_workers(world, browser):
    before = counts()
    elsewhere = post_form(browser(world.duty), drill_form(two_steps(world)[0], subdistrict_id=str(world.sub_a2.id)))
    assert elsewhere.status_code == 422 and counts() == before
    for user in (world.leader, world.grid):
        assert post_form(browser(user), drill_form(two_steps(world)[0])).status_code == 403
    assert counts() == before
    admin = browser(world.admin)
    assert 'id="build-subdistrict"' in admin.get("/drills").get_data(as_text=True)  # the county's: it says which one
    started = post_form(admin, drill_form(two_steps(world)[0], subdistrict_id=str(world.sub_a2.id)))
    assert started.status_code == 302 and run_of(started).subdistrict_id == world.sub_a2.id
