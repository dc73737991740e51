"""An offer says where to go, in every channel: a need placed by a map click (coordinates, no address) is named by its
community, grid cell and nearest road, and its SMS and call say that name; the SMS's short link opens the offer on
its own leader's phone page and nowhere else. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from dispatch.demo.seed import DEMO_PASSWORD, seed_demo
from dispatch.domain.scope import Role
from dispatch.extensions import db
from dispatch.models import Landmark
from dispatch.services.dispatch import offer_links
from dispatch.services.notify import delivery
from dispatch.services.registry.geography import cells_changed
from geo.nearby import LandmarkKind
from tests.factories import World, make_user
from tests.integration.conftest import Browser
from tests.integration.dispatch_helpers import need_body, open_incident, post_need
from tests.integration.sms_helpers import PUBLIC_URL, make_due, outbox
from tests.integration.test_twilio_webhooks import hook

DESCRIPTION = "地下车库进水，约20辆车被困"


@pytest.fixture
def road(world):
    """文一西路, running east-west through the world's cells A1 and A1b at 30.2755."""
    landmark = Landmark(
        county_id=world.county_a.id, kind=LandmarkKind.ROAD, name_zh="文一西路", name_en="Wenyi West Road",
        lon=120.11, lat=30.2755, line=[[120.095, 30.2755], [120.125, 30.2755]],
    )  # fmt: skip
    db.session.add(landmark)
    db.session.commit()
    cells_changed()
    return landmark


def map_click_offer(world, browser) -> dict:
    """A need placed by a click on the map 30 m north of the road in cell A1: coordinates, no address."""
    duty = browser(world.duty)
    body = need_body(world.cell_a1, location={"lon": 120.104, "lat": 30.2758}, broadcast_k=1, description=DESCRIPTION)
    response = post_need(duty, open_incident(duty)["id"], body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_map_click_need_is_named_by_its_community_cell_and_road(world, browser, road):
    need = map_click_offer(world, browser)
    place = f"{world.community_a1.name_zh} · {world.cell_a1.name}，文一西路附近"
    assert (need["address"], need["place_name"]) == ("", place)
    assert need["assignments"][0]["task"]["place_name"] == place
    task = browser(world.leader, language="en").get(f"/api/assignments/{need['assignments'][0]['id']}").get_json()["task"]
    assert task["place_name"] == f"{world.community_a1.name_zh} · {world.cell_a1.name}, near Wenyi West Road"


def test_the_sms_and_the_call_of_a_map_click_need_name_the_place(world, browser, twilio, road):
    offer = map_click_offer(world, browser)["assignments"][0]
    place = f"{world.community_a1.name_zh} · {world.cell_a1.name}，文一西路附近"
    for channel in ("sms", "voice"):
        make_due(outbox(offer["id"], channel).id)
        assert delivery.deliver(outbox(offer["id"], channel).id) == "sent"

    [sms] = twilio.messages
    assert f"地点：{place}。" in sms.body and f"情况：{DESCRIPTION}。" in sms.body
    assert sms.body.endswith(f"详情：{PUBLIC_URL}/t/{offer_links.tap_token(offer['id'])}")  # opens with no login
    assert outbox(offer["id"]).segments <= 3

    call = {"CallSid": "CA" + "e" * 32, "AccountSid": twilio.account_sid, "From": "+15005550006"}
    script = hook(browser, twilio, f"/twilio/voice/{outbox(offer['id'], 'voice').id}", call).get_data(as_text=True)
    assert f"地点：{place}。情况：{DESCRIPTION}。接受请按1" in script


def test_a_leader_who_reads_english_hears_and_reads_the_english_names(world, browser, twilio, road):
    world.leader.language = "en"
    world.community_a1.name_zh, world.cell_a1.name = "翠苑一区", "第3网格"  # names of a real length, not the serial's
    db.session.commit()
    offer = map_click_offer(world, browser)["assignments"][0]
    row_id = outbox(offer["id"]).id
    make_due(row_id)
    delivery.deliver(row_id)
    # the one-tap link costs room: in three UCS-2 segments the place is kept as far as it fits
    assert f"at {world.community_a1.name_zh} · {world.cell_a1.name}, near Wenyi West" in twilio.messages[0].body


def test_an_address_given_is_the_place_name_as_typed(world, browser, road):
    duty = browser(world.duty)
    body = need_body(world.cell_a1, location={"lon": 120.104, "lat": 30.2758}, address="翠苑一区12幢东门")
    need = post_need(duty, open_incident(duty)["id"], body).get_json()
    assert need["place_name"] == "翠苑一区12幢东门"


def test_the_short_link_opens_the_offer_on_its_own_leaders_phone_page(world, browser, road):
    offer = map_click_offer(world, browser)["assignments"][0]
    response = browser(world.leader).get(f"/m/o/{offer['short_code']}")
    assert response.status_code == 302 and response.location == f"/m#offer-{offer['id']}"
    assert browser(world.leader).get(f"/m/o/{offer['short_code'].lower()}").location == f"/m#offer-{offer['id']}"


def test_a_stranger_is_asked_to_log_in_and_the_leader_comes_back_to_the_offer(world, browser, road):
    offer = map_click_offer(world, browser)["assignments"][0]
    link = f"/m/o/{offer['short_code']}"
    stranger = browser()
    response = stranger.get(link)
    assert response.status_code == 302 and response.location.startswith("/login")
    next_page = parse_qs(urlsplit(response.location).query)["next"][0]
    assert next_page == link

    page = stranger.get(response.location).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "username": world.leader.username, "password": World.PASSWORD, "next": next_page}
    logged_in = stranger.open("/login", method="POST", data=form, headers=stranger.headers)
    assert logged_in.status_code == 302 and logged_in.location == link
    assert stranger.get(link).location == f"/m#offer-{offer['id']}"


def test_the_link_opens_nothing_for_anyone_else(world, browser, road):
    offer = map_click_offer(world, browser)["assignments"][0]
    assert offer["organization"]["id"] == world.org_a1.id
    other_leader = make_user(Role.ORG_LEADER, organization_id=world.org_a1b.id)
    assert browser(other_leader).get(f"/m/o/{offer['short_code']}").status_code == 404
    for user in (world.duty, world.admin, world.grid):  # only leaders have offers
        assert browser(user).get(f"/m/o/{offer['short_code']}").status_code == 403, user.role
    for code in ("ZZZZ", "A" * 9, "%00"):
        assert browser(world.leader).get(f"/m/o/{code}").status_code in (404, 422)


def test_in_the_demo_district_a_click_by_wenyi_road_is_named_as_people_there_say_it(app):
    seed_demo()
    duty = Browser(app)
    assert duty.login("demo-duty", DEMO_PASSWORD).status_code == 302  # 翠苑街道's duty officer
    body = {"skills": ["rescue"], "head_count": 2, "location": {"lon": 120.1305, "lat": 30.2921}}
    need = post_need(duty, open_incident(duty)["id"], body).get_json()
    assert need["place_name"] == "翠苑二区 · 第5网格，文一路附近"
