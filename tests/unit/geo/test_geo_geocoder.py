from __future__ import annotations

import time

import pytest
from geopy.exc import GeocoderServiceError, GeocoderTimedOut
from geopy.location import Location

from geo.coords import CoordSystem, wgs84_to_bd09
from geo.distance import geodesic_m
from geo.gazetteer import Gazetteer, Place
from geo.geocoder import Geocoder, OnlineGeocoder

BAOSHI = Place("宝石社区", 120.140, 30.262, "community", 11)
WEST_LAKE_WGS84 = (120.1485, 30.2425)


class FakeGeocoder:
    """A local geopy-compatible geocoder: answers from a dict, never the network."""

    def __init__(self, answers=None, error=None):
        self.answers = answers or {}
        self.error = error
        self.calls = []

    def geocode(self, query, exactly_one=True, timeout=None):
        self.calls.append((query, timeout))
        if self.error is not None:
            raise self.error
        if query not in self.answers:
            return None
        lon, lat = self.answers[query]
        return Location(f"{query} (online)", (lat, lon), {})


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def make_geocoder(fake=None, system=CoordSystem.WGS84, **settings) -> Geocoder:
    gazetteer = Gazetteer([BAOSHI, Place("北山街道", 120.15, 30.26, "subdistrict", 1)])
    online = None
    if fake is not None:
        online = OnlineGeocoder(fake, system, min_delay_s=0.0, **settings)
    return Geocoder(gazetteer, online)


def test_online_answer_is_used_first_and_converted_to_wgs84():
    bd = wgs84_to_bd09(*WEST_LAKE_WGS84)
    fake = FakeGeocoder({"宝石社区": bd})
    result = make_geocoder(fake, CoordSystem.BD09, timeout_s=2.5).geocode("宝石社区")
    assert (result.found, result.source) == (True, "online")
    assert geodesic_m(result.lon, result.lat, *WEST_LAKE_WGS84) < 0.5
    assert fake.calls == [("宝石社区", 2.5)]


@pytest.mark.parametrize(
    "fake",
    [
        FakeGeocoder(error=GeocoderTimedOut("took too long")),
        FakeGeocoder(error=GeocoderServiceError("HTTP 500")),
        FakeGeocoder(error=OSError("network unreachable")),
        FakeGeocoder({}),
        FakeGeocoder({"宝石社区": (2.35, 48.86)}),  # an answer in Paris is not our place
    ],
)
def test_falls_back_to_gazetteer(fake):
    result = make_geocoder(fake).geocode("宝石社区")
    assert (result.found, result.source, result.name) == (True, "gazetteer", "宝石社区")
    assert (result.lon, result.lat) == (BAOSHI.lon, BAOSHI.lat)
    assert fake.calls


def test_error_is_reported_alongside_the_fallback():
    result = make_geocoder(FakeGeocoder(error=GeocoderTimedOut("slow"))).geocode("宝石社区")
    assert "GeocoderTimedOut" in result.online_error


def test_answers_outside_configured_bounds_are_ignored():
    fake = FakeGeocoder({"宝石社区": (116.4, 39.9)})
    result = make_geocoder(fake, bounds=(118.0, 27.0, 122.9, 31.2)).geocode("宝石社区")
    assert result.source == "gazetteer"


def test_gazetteer_alone_works_without_online():
    result = make_geocoder().geocode("杭州市西湖区宝石社区")
    assert (result.found, result.source, result.name) == (True, "gazetteer", "宝石社区")
    assert result.score >= 80


def test_not_found_carries_suggestions():
    result = make_geocoder(FakeGeocoder({})).geocode("宝右社区")
    assert not result.found
    assert result.reason == "address_not_found"
    assert result.lon is None and result.source is None
    assert [m.place.name for m in result.suggestions] == ["宝石社区"]


def test_nothing_at_all_and_empty_address():
    assert make_geocoder().geocode("火星基地").suggestions == []
    assert make_geocoder().geocode("火星基地").reason == "address_not_found"
    assert make_geocoder().geocode("  ").reason == "empty_address"


def test_cache_serves_repeats_until_ttl_expires():
    fake = FakeGeocoder({"宝石社区": WEST_LAKE_WGS84})
    clock = FakeClock()
    geocoder = make_geocoder(fake, cache_ttl_s=60.0, clock=clock)
    geocoder.geocode("宝石社区")
    geocoder.geocode(" 宝石社区 ")
    assert len(fake.calls) == 1
    clock.now = 61.0
    geocoder.geocode("宝石社区")
    assert len(fake.calls) == 2


def test_cache_evicts_least_recently_used():
    fake = FakeGeocoder({})
    geocoder = make_geocoder(fake, cache_size=2)
    for address in ["一", "二", "一", "三", "一", "二"]:
        geocoder.geocode(address)
    assert [query for query, _ in fake.calls] == ["一", "二", "三", "二"]


def test_errors_are_not_cached():
    fake = FakeGeocoder(error=GeocoderTimedOut("slow"))
    geocoder = make_geocoder(fake)
    geocoder.geocode("宝石社区")
    geocoder.geocode("宝石社区")
    assert len(fake.calls) == 2


def test_rate_limit_spaces_out_calls():
    fake = FakeGeocoder({})
    online = OnlineGeocoder(fake, min_delay_s=0.05)
    started = time.monotonic()
    online.lookup("一")
    online.lookup("二")
    assert time.monotonic() - started >= 0.045


def test_built_from_a_geopy_service_name_without_network():
    online = OnlineGeocoder.from_service("nominatim", {"user_agent": "dispatch-tests"}, "wgs84")
    assert online.coord_system is CoordSystem.WGS84
