"""The 导航 links: each map app gets the place in its own coordinate system, and a place name cannot break a link."""

from __future__ import annotations

from urllib.parse import parse_qs, quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dispatch.domain.navigation import MapApp, _query, navigation_links
from geo.coords import CoordSystem, wgs84_to_bd09, wgs84_to_gcj02

WENYI_ROAD = (120.13, 30.29505)  # a map click in Xihu, WGS-84
NAME = "翠苑一区 · 第3网格，文一西路附近"


def links(lon: float = WENYI_ROAD[0], lat: float = WENYI_ROAD[1], name: str = NAME) -> dict[MapApp, object]:
    return {link.app: link for link in navigation_links(lon, lat, name)}


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def lat_lon(text: str) -> tuple[float, float]:
    lat, lon = text.split(",")[:2]
    return float(lon), float(lat)


def test_amap_and_tencent_get_gcj02_and_baidu_gets_bd09():
    found = links()
    gcj, bd = wgs84_to_gcj02(*WENYI_ROAD), wgs84_to_bd09(*WENYI_ROAD)
    assert (found[MapApp.AMAP].system, found[MapApp.TENCENT].system, found[MapApp.BAIDU].system) == (
        CoordSystem.GCJ02, CoordSystem.GCJ02, CoordSystem.BD09,
    )  # fmt: skip
    assert (found[MapApp.AMAP].lon, found[MapApp.AMAP].lat) == pytest.approx(gcj, abs=1e-6)
    assert (found[MapApp.BAIDU].lon, found[MapApp.BAIDU].lat) == pytest.approx(bd, abs=1e-6)
    assert gcj != pytest.approx(WENYI_ROAD, abs=1e-3)  # the shift is real: hundreds of metres in Hangzhou


def test_the_amap_links_carry_gcj02_lon_lat_and_say_no_further_shift_is_needed():
    amap = links()[MapApp.AMAP]
    gcj = wgs84_to_gcj02(*WENYI_ROAD)
    app = query(amap.app_url)
    assert amap.app_url.startswith("amapuri://route/plan/?")
    assert (float(app["dlon"]), float(app["dlat"])) == pytest.approx(gcj, abs=1e-6)
    assert (app["dev"], app["dname"]) == ("0", NAME)
    web = query(amap.web_url)
    assert amap.web_url.startswith("https://uri.amap.com/navigation?") and web["coordinate"] == "gaode"
    lon, lat, name = web["to"].split(",")
    assert (float(lon), float(lat), name) == (pytest.approx(gcj[0], abs=1e-6), pytest.approx(gcj[1], abs=1e-6), NAME)


def test_the_baidu_links_carry_bd09_lat_lon_and_say_so():
    baidu = links()[MapApp.BAIDU]
    bd = wgs84_to_bd09(*WENYI_ROAD)
    app = query(baidu.app_url)
    assert baidu.app_url.startswith("baidumap://map/direction?") and app["coord_type"] == "bd09ll"
    name, where = app["destination"].split("|")
    assert name == f"name:{NAME}" and lat_lon(where.removeprefix("latlng:")) == pytest.approx(bd, abs=1e-6)
    web = query(baidu.web_url)
    assert web["coord_type"] == "bd09ll" and lat_lon(web["location"]) == pytest.approx(bd, abs=1e-6)


def test_the_tencent_links_carry_gcj02_lat_lon():
    tencent = links()[MapApp.TENCENT]
    gcj = wgs84_to_gcj02(*WENYI_ROAD)
    app = query(tencent.app_url)
    assert tencent.app_url.startswith("qqmap://map/routeplan?") and app["to"] == NAME
    assert lat_lon(app["tocoord"]) == pytest.approx(gcj, abs=1e-6)
    coord, title = query(tencent.web_url)["marker"].split(";")
    assert lat_lon(coord.removeprefix("coord:")) == pytest.approx(gcj, abs=1e-6) and title == f"title:{NAME}"


def test_a_name_with_the_links_own_separators_cannot_move_the_point_or_add_parameters():
    tricky = "菜场,北门|2号:楼;旁&dev=1"
    found = links(name=tricky)
    assert query(found[MapApp.AMAP].app_url)["dev"] == "0"  # the name's "&dev=1" stays inside dname
    assert query(found[MapApp.AMAP].app_url)["dname"] == tricky
    assert len(query(found[MapApp.AMAP].web_url)["to"].split(",")) == 3
    assert len(query(found[MapApp.BAIDU].app_url)["destination"].split("|")) == 2
    assert query(found[MapApp.TENCENT].web_url)["marker"].count(";") == 1


def test_without_a_name_the_links_still_lead_to_the_point():
    found = links(name="")
    bd = wgs84_to_bd09(*WENYI_ROAD)
    assert lat_lon(query(found[MapApp.BAIDU].app_url)["destination"].removeprefix("latlng:")) == pytest.approx(bd, abs=1e-6)
    assert "dname" not in query(found[MapApp.AMAP].app_url)
    assert len(query(found[MapApp.AMAP].web_url)["to"].split(",")) == 2


def test_outside_china_every_app_gets_the_point_as_it_is():
    paris = (2.2945, 48.8584)
    assert {(link.lon, link.lat) for link in navigation_links(*paris)} == {paris}


@given(st.dictionaries(st.sampled_from(["to", "title", "dname", "marker"]), st.text(max_size=30)))
def test_every_value_is_percent_encoded_as_the_standard_library_does(params):
    expected = "&".join(f"{key}={quote(value, safe=',:|;')}" for key, value in params.items() if value)
    assert _query(params) == expected
