"""Pure geography for dispatch: grid cells, distances, Chinese coordinate systems,
GeoJSON checks and geocoding. No Flask, database or Redis; WGS-84 (lon, lat)
degrees everywhere unless a function says otherwise. See docs/geo.md.
"""

from __future__ import annotations

from geo.cells import Cell, GridIndex, IndexHolder
from geo.coords import CoordSystem, from_wgs84, in_china, to_wgs84
from geo.distance import geodesic_m, haversine_m, nearest_k
from geo.gazetteer import Gazetteer, Match, Place
from geo.geocoder import Geocoder, GeocodeResult, OnlineGeocoder
from geo.geojson import PolygonCheck, check_point, check_polygons, to_geojson

__all__ = [
    "Cell",
    "CoordSystem",
    "Gazetteer",
    "GeocodeResult",
    "Geocoder",
    "GridIndex",
    "IndexHolder",
    "Match",
    "OnlineGeocoder",
    "Place",
    "PolygonCheck",
    "check_point",
    "check_polygons",
    "from_wgs84",
    "geodesic_m",
    "haversine_m",
    "in_china",
    "nearest_k",
    "to_geojson",
    "to_wgs84",
]
