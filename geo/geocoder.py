"""Geocoding: an optional online geocoder (via geopy) tried first, the gazetteer always.

``Geocoder.geocode(address)`` returns a ``GeocodeResult`` in WGS-84 (lon, lat)
degrees. When an ``OnlineGeocoder`` is configured it is asked first; on an error,
a timeout, no result or an implausible result (outside China or the configured
bounds) the offline ``Gazetteer`` answers instead. When neither finds the address
the result says so and carries the gazetteer's closest suggestions.

``OnlineGeocoder`` wraps any geopy geocoder (built by service name, e.g.
``OnlineGeocoder.from_service("baiduv3", {"api_key": ...}, CoordSystem.BD09)``,
or passed in as an object with geopy's ``geocode(query, exactly_one, timeout)``).
Chinese providers answer in GCJ-02 (AMap, Tencent) or BD-09 (Baidu), so the
caller states the provider's system and answers are converted to WGS-84. Calls
go through ``geopy.extra.rate_limiter.RateLimiter`` and an in-memory LRU cache
with a time-to-live.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service

from geo.coords import CoordSystem, to_wgs84
from geo.gazetteer import Gazetteer, Match
from geo.geojson import check_point

__all__ = ["GeocodeResult", "Geocoder", "OnlineGeocoder", "OnlineGeocodingError", "OnlineHit"]

NOT_FOUND = "address_not_found"
EMPTY_ADDRESS = "empty_address"


class OnlineGeocodingError(Exception):
    """The online geocoder errored or timed out (the gazetteer should answer instead)."""


@dataclass(frozen=True)
class OnlineHit:
    """An online geocoder's answer, already converted to WGS-84 degrees."""

    lon: float
    lat: float
    name: str


@dataclass(frozen=True)
class GeocodeResult:
    """Where an address is (WGS-84 degrees), or why it was not found.

    ``source`` is "online" or "gazetteer" when found; ``score`` is the gazetteer's
    0-100 match score (None for online answers); ``reason`` is "address_not_found"
    or "empty_address" when not found; ``online_error`` says why the online
    geocoder was skipped, if it failed.
    """

    found: bool
    lon: float | None = None
    lat: float | None = None
    source: str | None = None
    name: str | None = None
    score: float | None = None
    suggestions: list[Match] = field(default_factory=list)
    reason: str | None = None
    online_error: str | None = None


class _TtlCache:
    """A small LRU cache whose entries also expire after ``ttl_s`` seconds."""

    def __init__(self, size: int, ttl_s: float, clock: Callable[[], float]) -> None:
        self._size, self._ttl_s, self._clock = size, ttl_s, clock
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()

    def get(self, key: str) -> tuple[bool, Any]:
        item = self._items.get(key)
        if item is None or self._clock() - item[0] > self._ttl_s:
            self._items.pop(key, None)
            return False, None
        self._items.move_to_end(key)
        return True, item[1]

    def put(self, key: str, value: Any) -> None:
        self._items[key] = (self._clock(), value)
        self._items.move_to_end(key)
        while len(self._items) > self._size:
            self._items.popitem(last=False)


class OnlineGeocoder:
    """Port to an online geocoder through geopy, with timeout, rate limit and cache."""

    def __init__(
        self,
        geocoder: Any,
        coord_system: CoordSystem | str = CoordSystem.WGS84,
        *,
        timeout_s: float = 5.0,
        min_delay_s: float = 1.0,
        cache_size: int = 1024,
        cache_ttl_s: float = 24 * 3600.0,
        bounds: tuple[float, float, float, float] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``geocoder``: a geopy geocoder instance; ``bounds``: WGS-84 (west, south, east, north)."""
        self.coord_system = CoordSystem(coord_system)
        self._timeout_s = timeout_s
        self._bounds = bounds
        self._cache = _TtlCache(cache_size, cache_ttl_s, clock)
        # No retries and no swallowing: a failure must reach us quickly so the
        # gazetteer can answer while the duty officer is waiting.
        self._geocode = RateLimiter(geocoder.geocode, min_delay_seconds=min_delay_s, max_retries=0, swallow_exceptions=False)

    @classmethod
    def from_service(
        cls, service: str, options: dict[str, Any], coord_system: CoordSystem | str, **settings: Any
    ) -> OnlineGeocoder:
        """Build from a geopy service name ("nominatim", "baiduv3", ...) and its options."""
        geocoder_class = get_geocoder_for_service(service)
        return cls(geocoder_class(**options), coord_system, **settings)

    def lookup(self, address: str) -> OnlineHit | None:
        """The provider's answer for ``address`` in WGS-84, or None if it has none.

        Raises ``OnlineGeocodingError`` on errors and timeouts (not cached).
        """
        key = " ".join(address.split())
        cached, hit = self._cache.get(key)
        if cached:
            return hit
        try:
            location = self._geocode(key, exactly_one=True, timeout=self._timeout_s)
        except (GeopyError, OSError, TimeoutError, ValueError) as exc:
            raise OnlineGeocodingError(f"{type(exc).__name__}: {exc}") from exc
        hit = self._to_hit(location, key)
        self._cache.put(key, hit)
        return hit

    def _to_hit(self, location: Any, address: str) -> OnlineHit | None:
        if location is None:
            return None
        lon, lat = to_wgs84(float(location.longitude), float(location.latitude), self.coord_system)
        if check_point(lon, lat) is not None or not self._in_bounds(lon, lat):
            return None
        return OnlineHit(lon, lat, str(getattr(location, "address", None) or address))

    def _in_bounds(self, lon: float, lat: float) -> bool:
        if self._bounds is None:
            return True
        west, south, east, north = self._bounds
        return west <= lon <= east and south <= lat <= north


class Geocoder:
    """Address to WGS-84 point: online first when configured, the gazetteer always."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        online: OnlineGeocoder | None = None,
        *,
        min_score: float = 80.0,
        suggestions: int = 5,
    ) -> None:
        """``min_score``: the gazetteer score (0-100) needed to call a match found."""
        self._gazetteer = gazetteer
        self._online = online
        self._min_score = min_score
        self._suggestions = suggestions

    def geocode(self, address: str) -> GeocodeResult:
        """Locate ``address``; never raises for a bad or unknown address."""
        if not address or not address.strip():
            return GeocodeResult(found=False, reason=EMPTY_ADDRESS)
        online_error = None
        if self._online is not None:
            try:
                hit = self._online.lookup(address)
            except OnlineGeocodingError as exc:
                hit, online_error = None, str(exc)
            if hit is not None:
                return GeocodeResult(True, hit.lon, hit.lat, "online", hit.name)
        return self._from_gazetteer(address, online_error)

    def _from_gazetteer(self, address: str, online_error: str | None) -> GeocodeResult:
        matches = self._gazetteer.lookup(address, limit=self._suggestions + 1)
        if matches and matches[0].score >= self._min_score:
            best = matches[0]
            return GeocodeResult(
                found=True,
                lon=best.place.lon,
                lat=best.place.lat,
                source="gazetteer",
                name=best.place.name,
                score=best.score,
                suggestions=matches[1:],
                online_error=online_error,
            )
        return GeocodeResult(
            found=False,
            suggestions=matches[: self._suggestions],
            reason=NOT_FOUND,
            online_error=online_error,
        )
