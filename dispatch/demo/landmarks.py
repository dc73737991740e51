"""Real landmarks and roads of 西湖区, so the demo names a map click as a local person would ("文一西路附近").

Names are real. Coordinates are WGS-84 and approximate (within a few hundred metres of the real place), nudged where
needed to lie inside the demo's schematic subdistrict boxes; a road is given by a few points along its course.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from geo.nearby import LandmarkKind


@dataclass(frozen=True)
class DemoLandmark:
    """A landmark (one point) or a road (its course), and the subdistrict it lies in or mostly runs through."""

    name_zh: str
    name_en: str
    kind: LandmarkKind
    subdistrict_zh: str
    course: tuple[tuple[float, float], ...]

    @property
    def point(self) -> tuple[float, float]:
        """The landmark itself, or the middle of the road's course."""
        middle = len(self.course) // 2
        if len(self.course) % 2:
            return self.course[middle]
        (lon1, lat1), (lon2, lat2) = self.course[middle - 1], self.course[middle]
        return round((lon1 + lon2) / 2, 6), round((lat1 + lat2) / 2, 6)


def _landmark(name_zh: str, name_en: str, subdistrict_zh: str, lon: float, lat: float) -> DemoLandmark:
    return DemoLandmark(name_zh, name_en, LandmarkKind.LANDMARK, subdistrict_zh, ((lon, lat),))


def _road(name_zh: str, name_en: str, subdistrict_zh: str, *course: tuple[float, float]) -> DemoLandmark:
    return DemoLandmark(name_zh, name_en, LandmarkKind.ROAD, subdistrict_zh, course)


LANDMARKS: tuple[DemoLandmark, ...] = (
    _landmark("黄龙体育中心", "Huanglong Sports Centre", "灵隐街道", 120.1318, 30.2728),
    _landmark("浙江大学玉泉校区", "Zhejiang University Yuquan Campus", "古荡街道", 120.1205, 30.2665),
    _landmark("杭州植物园", "Hangzhou Botanical Garden", "古荡街道", 120.1170, 30.2580),
    _landmark("西溪湿地", "Xixi Wetland", "蒋村街道", 120.0650, 30.2720),
    _landmark("西溪印象城", "Xixi Impression City", "蒋村街道", 120.0780, 30.2935),
    _landmark("西湖文化广场", "West Lake Cultural Square", "西溪街道", 120.1605, 30.2795),
    _landmark("黄龙洞", "Yellow Dragon Cave", "北山街道", 120.1415, 30.2700),
    _landmark("保俶塔", "Baochu Pagoda", "北山街道", 120.1430, 30.2630),
    _landmark("学军中学", "Xuejun High School", "灵隐街道", 120.1385, 30.2835),
    _landmark("翠苑电影大世界", "Cuiyuan Cinema", "翠苑街道", 120.1300, 30.2950),
    _landmark("西城广场", "Xicheng Plaza", "文新街道", 120.1020, 30.2920),
    _landmark("灵隐寺", "Lingyin Temple", "留下街道", 120.0975, 30.2435),
    _landmark("浙江工业大学屏峰校区", "Zhejiang University of Technology Pingfeng Campus", "留下街道", 120.0425, 30.2310),
    _landmark("中国茶叶博物馆", "China National Tea Museum", "西湖街道", 120.1297, 30.2388),
    _landmark("杭州动物园", "Hangzhou Zoo", "西湖街道", 120.1424, 30.2205),
    _landmark("中国美术学院象山校区", "China Academy of Art Xiangshan Campus", "转塘街道", 120.0810, 30.1620),
    _landmark("浙江大学紫金港校区", "Zhejiang University Zijingang Campus", "三墩镇", 120.0800, 30.3080),
    _road("文一西路", "Wenyi West Road", "蒋村街道", (120.0400, 30.2935), (120.0800, 30.2930), (120.1040, 30.2925)),
    _road("文一路", "Wenyi Road", "翠苑街道", (120.1040, 30.2925), (120.1300, 30.2920), (120.1640, 30.2905)),
    _road("文二路", "Wen'er Road", "翠苑街道", (120.0950, 30.2880), (120.1640, 30.2870)),
    _road("文三路", "Wensan Road", "西溪街道", (120.1150, 30.2830), (120.1450, 30.2825), (120.1640, 30.2815)),
    _road("天目山路", "Tianmushan Road", "古荡街道", (120.0700, 30.2730), (120.1200, 30.2745), (120.1640, 30.2760)),
    _road("教工路", "Jiaogong Road", "翠苑街道", (120.1390, 30.2690), (120.1390, 30.3040)),
    _road("学院路", "Xueyuan Road", "翠苑街道", (120.1265, 30.2700), (120.1265, 30.3040)),
    _road("古墩路", "Gudun Road", "文新街道", (120.0995, 30.2720), (120.0995, 30.3040), (120.0990, 30.3550)),
    _road("紫金港路", "Zijingang Road", "蒋村街道", (120.0770, 30.2600), (120.0770, 30.3200)),
    _road("西溪路", "Xixi Road", "古荡街道", (120.1380, 30.2640), (120.1100, 30.2600), (120.0700, 30.2560)),
    _road("曙光路", "Shuguang Road", "北山街道", (120.1500, 30.2620), (120.1400, 30.2760)),
    _road("北山街", "Beishan Street", "北山街道", (120.1560, 30.2580), (120.1420, 30.2560)),
    _road("龙井路", "Longjing Road", "西湖街道", (120.1380, 30.2520), (120.1300, 30.2300)),
    _road("之江路", "Zhijiang Road", "转塘街道", (120.1400, 30.2000), (120.1000, 30.1700), (120.0600, 30.1550)),
    _road("留和路", "Liuhe Road", "留下街道", (120.0600, 30.2250), (120.0600, 30.2540)),
)


def landmark_rows() -> Iterator[dict[str, str]]:
    """The landmarks as rows of the landmark CSV import, so the demo loads through the importer real data uses."""
    for landmark in LANDMARKS:
        lon, lat = landmark.point
        line = "; ".join(f"{x} {y}" for x, y in landmark.course) if landmark.kind is LandmarkKind.ROAD else ""
        yield {
            "name": landmark.name_zh, "name_en": landmark.name_en, "kind": landmark.kind.value,
            "lon": str(lon), "lat": str(lat), "line": line,
        }  # fmt: skip
