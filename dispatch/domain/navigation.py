"""Links that open a place in the map apps people in China use, each in the coordinate system the app expects.

Everything stored is WGS-84; AMap (高德) and Tencent (腾讯) read GCJ-02, Baidu (百度) reads BD-09. Handing an app
the wrong system puts the pin several hundred metres off, in the wrong street. Each app has two links: its own
URI scheme, which opens the installed app at a route to the place, and a web page that works in any browser (and,
on a phone, offers to open the app), used when the app is not installed.

The schemes are the apps' public ones: ``amapuri://route/plan/`` (``dev=0``: the coordinates are GCJ-02 already),
``baidumap://map/direction`` (``coord_type=bd09ll``) and ``qqmap://map/routeplan`` (``tocoord`` is lat,lon).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from geo.coords import CoordSystem, from_wgs84

SOURCE = "community-dispatch"  # who is asking: the apps want a caller's name (src, sourceApplication, referer)
DECIMALS = 6  # about 0.1 m, the precision the apps accept


class MapApp(str, Enum):
    AMAP = "amap"
    BAIDU = "baidu"
    TENCENT = "tencent"


SYSTEM_OF = {MapApp.AMAP: CoordSystem.GCJ02, MapApp.BAIDU: CoordSystem.BD09, MapApp.TENCENT: CoordSystem.GCJ02}


@dataclass(frozen=True)
class MapLink:
    """One app's way to a place: the point in the app's coordinate system, the app's link and its web page."""

    app: MapApp
    system: CoordSystem
    lon: float
    lat: float
    app_url: str
    web_url: str


@lru_cache(maxsize=4096)  # every offer of a need, and every view of it, asks for the same place's links
def navigation_links(lon: float, lat: float, name: str = "", source: str = SOURCE) -> tuple[MapLink, ...]:
    """Links to a WGS-84 point (named ``name`` on the map) for AMap, Baidu Maps and Tencent Maps, in that order."""
    return tuple(_link(app, lon, lat, name, source) for app in MapApp)


def _link(app: MapApp, lon: float, lat: float, name: str, source: str) -> MapLink:
    system = SYSTEM_OF[app]
    x, y = (round(v, DECIMALS) for v in from_wgs84(lon, lat, system))
    build = {MapApp.AMAP: _amap, MapApp.BAIDU: _baidu, MapApp.TENCENT: _tencent}[app]
    app_url, web_url = build(f"{x:.{DECIMALS}f}", f"{y:.{DECIMALS}f}", name, source)
    return MapLink(app, system, x, y, app_url, web_url)


# Left as they are in a value: what percent-encoding never encodes, and the apps' own separators (the names have
# those replaced).
PLAIN = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~,:|;"
_PERCENT = tuple(chr(byte) if chr(byte) in PLAIN else f"%{byte:02X}" for byte in range(256))  # each UTF-8 byte's form


def _query(params: dict[str, str]) -> str:
    """``key=value&…`` with each value percent-encoded as ``urllib.parse.quote`` does (the keys are plain), the empty
    ones left out."""
    return "&".join(f"{key}={_quoted(value)}" for key, value in params.items() if value)


def _quoted(value: str) -> str:
    return "".join(map(_PERCENT.__getitem__, value.encode()))


def _amap(lon: str, lat: str, name: str, source: str) -> tuple[str, str]:
    app = _query({"sourceApplication": source, "dlat": lat, "dlon": lon, "dname": name, "dev": "0", "t": "0"})
    to = ",".join(filter(None, (lon, lat, _without(name, ","))))  # to=lon,lat,name: a comma in the name would cut it
    web = _query({"to": to, "mode": "car", "coordinate": "gaode", "callnative": "1", "src": source})
    return f"amapuri://route/plan/?{app}", f"https://uri.amap.com/navigation?{web}"


def _baidu(lon: str, lat: str, name: str, source: str) -> tuple[str, str]:
    named = _without(name, "|:")  # destination=name:…|latlng:…: a bar or colon in the name would cut it
    destination = f"name:{named}|latlng:{lat},{lon}" if named else f"latlng:{lat},{lon}"
    app = _query({"destination": destination, "coord_type": "bd09ll", "mode": "driving", "src": source})
    title = named or f"{lat},{lon}"
    web = _query(
        {"location": f"{lat},{lon}", "title": title, "content": title, "output": "html", "coord_type": "bd09ll", "src": source}
    )
    return f"baidumap://map/direction?{app}", f"https://api.map.baidu.com/marker?{web}"


def _tencent(lon: str, lat: str, name: str, source: str) -> tuple[str, str]:
    named = _without(name, ";:")  # marker=coord:…;title:…: a semicolon or colon in the name would cut it
    app = _query({"type": "drive", "to": named or f"{lat},{lon}", "tocoord": f"{lat},{lon}", "referer": source})
    marker = f"coord:{lat},{lon};title:{named or f'{lat},{lon}'}"
    web = _query({"marker": marker, "referer": source})
    return f"qqmap://map/routeplan?{app}", f"https://apis.map.qq.com/uri/v1/marker?{web}"


def _without(name: str, characters: str) -> str:
    """The name with the characters that separate the link's own fields replaced by spaces."""
    return " ".join(name.translate({ord(c): " " for c in characters}).split())
