"""The live pages' shells: the board and the risk inbox are for duty officers and administrators, the phone page for
leaders, the grid page for grid workers, and the phone page is installable (manifest, service worker under /m)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("who", "board", "phone", "grid"),
    [("admin", 200, 302, 403), ("duty", 200, 302, 403), ("leader", 403, 200, 403), ("grid", 403, 302, 200)],
)
def test_each_role_gets_its_own_live_page(world, browser, who, board, phone, grid):
    client = browser(getattr(world, who))
    assert client.get("/board").status_code == board
    assert client.get("/risks").status_code == board
    assert client.get("/m").status_code == phone
    assert client.get("/grid").status_code == grid


def test_the_phone_page_can_be_installed(world, browser):
    client = browser(world.leader)
    manifest = client.get("/m/manifest.webmanifest")
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    assert manifest.get_json()["start_url"] == "/m" and manifest.get_json()["display"] == "standalone"
    worker = client.get("/m/sw.js")
    assert worker.status_code == 200 and worker.headers["Service-Worker-Allowed"] == "/m"
    page = client.get("/m").get_data(as_text=True)
    assert 'rel="manifest"' in page and "socket.io.min.js" in page


def test_anonymous_callers_are_sent_to_log_in(browser):
    for page in ("/board", "/risks", "/m", "/grid"):
        assert browser().get(page).status_code in (302, 401)


def test_the_after_action_report_shows_answer_times_and_organizations(world, browser):
    from tests.integration.dispatch_helpers import posted_need

    duty = browser(world.duty)
    need = posted_need(duty, world.cell_a1, head_count=2, broadcast_k=2)
    mine = next(a for a in need["assignments"] if a["organization"]["id"] == world.org_a1.id)
    browser(world.leader).post(f"/api/assignments/{mine['id']}/accept", {"head_count": 2})
    page = duty.get(f"/incidents/{need['incident_id']}/report")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "事后报告" in text and world.org_a1.name in text and "<svg" in text and "答复用时" in text
    assert browser(world.leader).get(f"/incidents/{need['incident_id']}/report").status_code == 403


def test_a_county_administrator_chooses_which_subdistrict_an_incident_on_the_board_is_for(world, browser):
    admin = browser(world.admin).get(f"/board?subdistrict_id={world.sub_a2.id}").get_data(as_text=True)
    assert 'name="subdistrict_id"' in admin
    assert f'value="{world.sub_a2.id}" selected' in admin and f'value="{world.sub_a1.id}"' in admin
    assert world.sub_a1.name_zh in admin and world.sub_b1.name_zh not in admin  # never another county's
    assert 'name="subdistrict_id"' not in browser(world.duty).get("/board").get_data(as_text=True)  # a duty officer's own
