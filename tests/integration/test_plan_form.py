"""The plan form: a plan typed in boxes is the plan its YAML file describes (the same checks, the same versions);
editing opens the boxes filled from the latest version; a task row is added or removed without any script; each
mistake is told beside its box, in the officer's language, and nothing is kept."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from dispatch.extensions import db
from dispatch.models import Plan, PlanVersion
from dispatch.services.plans import library
from tests.factories import make_organization
from tests.integration.test_plans import counts, keep, plan_text


def task(**boxes) -> dict:
    return {"name": "", "skills": [], "head_count": "", "place_kind": "cell", "place_value": "", "priority": "",
            "policy": "", "broadcast_k": "", "offer_timeout_s": "", "description": "", "designated": [], **boxes}  # fmt: skip


def plan_form(*tasks: dict, title: str = "防台风预案", action: str = "save", **more) -> dict:
    """The plan form as a browser posts it: the plan's boxes, each task's row, and a spare blank row."""
    fields = {"source": "form", "action": action, "title": title, "category": "natural_disaster", "min_level": "III"}
    for index, row in enumerate([*tasks, task()]):
        for key, value in row.items():
            if key == "skills":
                fields[f"tasks-{index}-skills"] = value
            elif key == "designated":
                fields |= {f"tasks-{index}-designated-{n}": name for n, name in enumerate([*value, ""])}
            else:
                fields[f"tasks-{index}-{key}"] = value
    return {**fields, **more}


def post(client, url: str, fields: dict):
    return client.send("POST", url, None, data=fields, content_type="application/x-www-form-urlencoded")


def sandbags(world, **boxes) -> dict:
    mine = {"name": "装填沙袋", "skills": ["logistics"], "head_count": "1", "place_kind": "cell",
            "place_value": world.cell_a1.code, "priority": "urgent", "broadcast_k": "1"}  # fmt: skip
    return task(**{**mine, **boxes})


def hands(world, **boxes) -> dict:
    mine = {"name": "转移群众", "skills": ["logistics"], "head_count": "1", "place_kind": "community",
            "place_value": world.community_a1.code}  # fmt: skip
    return task(**{**mine, **boxes})


def latest(plan_id: int):
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    return plan, library.document_of(library.latest_version(plan))


def plan_id_of(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def text_of(page: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", page))


def beside(page: str, box: str) -> str:
    """The message shown under a box of the plan form, which the box names as its description."""
    assert re.search(f'id="{box}"[^>]*aria-invalid="true" aria-describedby="{box}-error-1 "', page), box
    return unescape(re.search(f'<p class="error" id="{box}-error-1">([^<]*)</p>', page)[1])


def test_a_plan_written_in_the_form_is_the_plan_its_yaml_file_describes(world, browser):
    duty = browser(world.duty)
    built = post(duty, "/plans", plan_form(sandbags(world, designated=[world.org_a1b.name]), hands(world)))
    plan, document = latest(plan_id_of(built))
    from_file = keep(duty, plan_text(world, designated=[world.org_a1b.name]))
    assert document == library.document_of(library.latest_version(db.session.get(Plan, from_file["id"])))
    assert (plan.version, plan.title, plan.subdistrict_id) == (1, "防台风预案", world.sub_a1.id)
    page = duty.get(built.headers["Location"]).get_data(as_text=True)
    assert "预案指定队伍（第 1 位）" in page  # the preview asks the designated team first, as for a file


def test_editing_opens_the_form_filled_from_the_latest_version_and_saving_keeps_a_new_one(world, browser):
    duty = browser(world.duty)
    written = plan_text(world, designated=[world.org_a1b.name]).replace(
        "head_count: 1}", "head_count: 1, radius_km: 5, description: 转移到安置点}", 1
    )  # the second task: the first says more
    plan_id = keep(duty, written)["id"]
    page = duty.get(f"/plans/{plan_id}/edit").get_data(as_text=True)
    assert 'id="tasks-0-name" name="tasks-0-name" value="装填沙袋"' in page
    assert 'name="tasks-0-skills" value="logistics" checked' in page
    assert f'id="tasks-0-designated-0" name="tasks-0-designated-0" value="{world.org_a1b.name}"' in page
    assert f'value="{world.community_a1.code}"' in page and ">转移到安置点</textarea>" in page
    assert "radius_km: 5" in page  # a setting the form has no box for is said, and kept
    fields = _fields_of(page)
    fields["title"] = "防台风预案（修订）"
    assert plan_id_of(post(duty, f"/plans/{plan_id}", fields)) == plan_id
    plan, document = latest(plan_id)
    assert (plan.version, document.title) == (2, "防台风预案（修订）")
    first = db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan_id, PlanVersion.version == 1))
    assert document.tasks == library.document_of(first).tasks
    assert document.tasks[1].need["radius_km"] == 5


def test_a_task_row_is_added_and_removed_without_any_script_and_nothing_is_kept(world, browser):
    duty = browser(world.duty)
    more = post(duty, "/plans", plan_form(sandbags(world), action="add_task"))
    assert more.status_code == 200
    page = more.get_data(as_text=True)
    assert 'value="装填沙袋"' in page and 'id="tasks-2-name"' in page and 'id="tasks-3-name"' not in page
    assert "添加任务" in page and "删除任务 1" in page
    fewer = post(duty, "/plans", plan_form(sandbags(world), hands(world), remove="0"))
    assert fewer.status_code == 200
    page = fewer.get_data(as_text=True)
    assert 'id="tasks-0-name" name="tasks-0-name" value="转移群众"' in page and 'value="装填沙袋"' not in page
    shown = post(duty, "/plans", plan_form(sandbags(world), action="yaml")).get_data(as_text=True)
    assert "- name: 装填沙袋" in unescape(shown.split('id="text"', 1)[1])
    assert counts() == (0, 0, 0)


def test_each_mistake_is_told_beside_its_box_in_chinese_and_nothing_is_kept(world, browser):
    duty = browser(world.duty)
    # As with a file, the plan's own shape is checked first (its title, each task's name and place) ...
    refused = post(duty, "/plans", plan_form(task(name="\u200b", skills=["logistics"], head_count="1"), title=" "))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert beside(page, "title") == beside(page, "tasks-0-name") == "不能为空（只有空格或看不见的字符，如零宽空格，也算空）"
    assert beside(page, "tasks-0-place_value").startswith("不能为空")
    # ... then each task's need, place and teams where the plan may mobilize.
    wrong = task(name="搬运", head_count="0", place_kind="cell", place_value="XX-404", designated=["无此队伍"])
    refused = post(duty, "/plans", plan_form(wrong, sandbags(world)))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert beside(page, "tasks-0-skills") == "必填"
    assert beside(page, "tasks-0-head_count") == "应不小于 1"
    assert beside(page, "tasks-0-place_value") == "找不到网格编码“XX-404”"
    assert beside(page, "tasks-0-designated-0") == "辖区内没有名为“无此队伍”的组织"
    assert "任务 1 · 人数：应不小于 1" in text_of(page)  # the summary names the task and the box
    assert 'value="XX-404"' in page and 'value="装填沙袋"' in page  # what was typed comes back
    assert counts() == (0, 0, 0)


def test_the_same_mistakes_are_told_in_english_to_an_english_reader(world, browser):
    duty = browser(world.duty, language="en")
    wrong = task(name="搬运", skills=["logistics"], head_count="lots", place_kind="address", place_value="火星路九十九号")
    page = post(duty, "/plans", plan_form(wrong)).get_data(as_text=True)
    assert beside(page, "tasks-0-head_count") == "must be a whole number"
    assert beside(page, "tasks-0-place_value").startswith("no place is found for “火星路九十九号”")
    assert "Task 1 · People: must be a whole number" in text_of(page)


def test_a_designated_team_without_the_skill_is_refused_beside_its_own_box(world, browser):
    medics = make_organization(world.community_a1, [world.cell_a1], skills={"first_aid": 4}, name="文三红十字救护队")
    db.session.commit()
    row = sandbags(world, designated=[world.org_a1b.name, medics.name])
    page = post(browser(world.duty), "/plans", plan_form(row)).get_data(as_text=True)
    assert beside(page, "tasks-0-designated-1").startswith("“文三红十字救护队”没有本任务需要的技能：后勤物资保障")
    assert 'aria-describedby="tasks-0-designated-0-error-1' not in page  # the first team offers the skill
    assert counts() == (0, 0, 0)


def test_the_form_offers_the_plans_own_teams_and_places_to_choose_from(world, browser):
    page = browser(world.duty).get("/plans/new").get_data(as_text=True)
    organizations = page.split('<datalist id="plan-organizations">', 1)[1].split("</datalist>", 1)[0]
    assert world.org_a1.name in organizations and world.org_a2.name not in organizations  # a neighbour's team is not
    assert "抢险救援、后勤物资保障" in organizations  # each with the skills it offers
    places = page.split('<datalist id="plan-places">', 1)[1].split("</datalist>", 1)[0]
    assert world.cell_a1.code in places and world.cell_a2.code not in places


def test_a_form_without_its_security_token_is_refused_and_keeps_nothing(world, browser):
    duty = browser(world.duty)
    assert 'name="csrf_token"' in duty.get("/plans/new").get_data(as_text=True)
    refused = duty.open("/plans", method="POST", data=plan_form(sandbags(world)), headers=duty.headers)
    assert refused.status_code in (400, 403)
    assert db.session.scalar(select(Plan.id)) is None


def _fields_of(page: str) -> dict:
    """What the browser would post from the plan form as the page shows it (its boxes, its checked skills)."""
    form = page.split('id="plan-form"', 1)[1].split("</form>", 1)[0]
    fields: dict = {"source": "form", "action": "save"}
    for name, value in re.findall(r'<input (?:id="[^"]*" )?name="([^"]+)" value="([^"]*)"', form):
        fields[name] = unescape(value)
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form):
        fields[name] = unescape(value)
    for name, value in re.findall(r'<input type="checkbox" name="([^"]+)" value="([^"]*)" checked', form):
        fields.setdefault(name, []).append(value) if isinstance(fields.get(name), list) else fields.update({name: [value]})
    for name, text in re.findall(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', form):
        fields[name] = unescape(text)
    for name, options in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        fields[name] = re.search(r'<option value="([^"]*)"[^>]* selected>', options)[1]
    return fields


def test_the_plan_page_names_skills_and_places_in_the_readers_words(world, browser):
    plan = keep(browser(world.duty), plan_text(world))
    page = " ".join(text_of(browser(world.duty).get(f"/plans/{plan['id']}").get_data(as_text=True)).split())
    assert f"后勤物资保障 · 1 人 · 网格编码：{world.cell_a1.code}" in page and "logistics" not in page
    english = " ".join(text_of(browser(world.duty, language="en").get(f"/plans/{plan['id']}").get_data(as_text=True)).split())
    assert f"Logistics and supplies · 1 people · Grid cell code: {world.cell_a1.code}" in english


def test_an_administrator_writes_a_subdistricts_plan_in_the_form_choosing_from_the_countys_teams(world, browser):
    admin = browser(world.admin)
    page = admin.get("/plans/new").get_data(as_text=True)
    assert world.org_a2.name in page.split('<datalist id="plan-organizations">', 1)[1].split("</datalist>", 1)[0]
    built = post(admin, "/plans", plan_form(sandbags(world), subdistrict_id=str(world.sub_a1.id)))
    plan, _document = latest(plan_id_of(built))
    assert plan.subdistrict_id == world.sub_a1.id


def test_those_who_run_no_incidents_cannot_use_the_form(world, browser):
    for user in (world.leader, world.grid):
        assert post(browser(user), "/plans", plan_form(sandbags(world), action="add_task")).status_code == 403
    assert counts() == (0, 0, 0)


def test_hostile_boxes_get_clear_answers_not_server_errors(world, browser):
    duty = browser(world.duty)
    for remove in ("²", "99999999999999999999", "-1", "abc"):
        assert post(duty, "/plans", plan_form(sandbags(world), remove=remove)).status_code in (302, 422)
    nul = post(duty, "/plans", plan_form(sandbags(world), title="预案\x00"))
    assert nul.status_code == 422 and "无法保存的字符" in text_of(nul.get_data(as_text=True))
    huge = sandbags(world, head_count="1e999", place_kind="location", place_value="1e999, nan")
    assert post(duty, "/plans", plan_form(huge)).status_code == 422
    assert post(duty, "/plans", plan_form(sandbags(world), category="earthquake", min_level="V")).status_code == 422
    assert post(duty, "/plans", {**plan_form(sandbags(world)), "tasks-0-extra": '{"radius_km": "far"'}).status_code == 302
    assert counts()[0] == 5  # the four removals that removed nothing, and the broken hidden box: saved as typed


def test_two_tabs_editing_one_plan_the_second_save_is_told_and_keeps_nothing_until_saved_again(world, browser):
    duty = browser(world.duty)
    plan_id = keep(duty, plan_text(world))["id"]
    first_tab = _fields_of(duty.get(f"/plans/{plan_id}/edit").get_data(as_text=True))
    second_tab = _fields_of(duty.get(f"/plans/{plan_id}/edit").get_data(as_text=True))
    assert plan_id_of(post(duty, f"/plans/{plan_id}", {**first_tab, "title": "第一个标签页的修改"})) == plan_id

    refused = post(duty, f"/plans/{plan_id}", {**second_tab, "title": "第二个标签页的修改"})

    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "已被保存为第 2 版" in text_of(page) and 'value="第二个标签页的修改"' in page  # told, and the change kept on screen
    assert latest(plan_id)[0].version == 2 and latest(plan_id)[1].title == "第一个标签页的修改"
    again = _fields_of(page)  # saved again from the page that told it: now it knows version 2
    assert plan_id_of(post(duty, f"/plans/{plan_id}", again)) == plan_id
    assert (latest(plan_id)[0].version, latest(plan_id)[1].title) == (3, "第二个标签页的修改")


def test_the_api_refuses_an_edit_made_from_an_older_version(world, browser):
    duty = browser(world.duty)
    plan_id = keep(duty, plan_text(world))["id"]
    assert duty.send("PUT", f"/api/plans/{plan_id}", {"text": plan_text(world, title="甲"), "based_on": 1}).status_code == 200
    stale = duty.send("PUT", f"/api/plans/{plan_id}", {"text": plan_text(world, title="乙"), "based_on": 1})
    assert stale.status_code == 409 and stale.get_json()["error"]["errors"][0]["code"] == "plan.newer_version"
    assert latest(plan_id)[1].title == "甲"


def test_saving_a_plan_unchanged_makes_no_new_version(world, browser):
    duty = browser(world.duty)
    text = plan_text(world)
    plan_id = keep(duty, text)["id"]
    again = duty.send("PUT", f"/api/plans/{plan_id}", {"text": text})
    assert again.status_code == 200 and again.get_json()["version"] == 1
    assert latest(plan_id)[0].version == 1
