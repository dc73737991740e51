from __future__ import annotations

import pytest

from geo.gazetteer import Gazetteer, Place, normalize_name


def make_gazetteer() -> Gazetteer:
    return Gazetteer(
        [
            Place("北山街道", 120.150, 30.260, "subdistrict", 1),
            Place("宝石社区", 120.140, 30.262, "community", 11),
            Place("宝石社区第3网格", 120.141, 30.263, "grid_cell", 111),
            Place("翠苑一区", 120.120, 30.280, "community", 12),
            Place("西溪湿地", 120.070, 30.270, "landmark", 900),
            Place("新村", 120.000, 30.000, "community", 13),
            Place("灵隐寺", 120.101, 30.241, "landmark", 901),
        ]
    )


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("宝石社区", "宝石社区"),
        ("宝石", "宝石社区"),
        ("宝 石 社 区", "宝石社区"),
        ("宝石社区居委会", "宝石社区"),
        ("北山", "北山街道"),
        ("北山街道办事处", "北山街道"),
        ("新村", "新村"),
        ("ｘ西溪湿地", "西溪湿地"),
        ("灵隐寺。", "灵隐寺"),
    ],
)
def test_finds_names_despite_suffixes_spaces_and_punctuation(text, name):
    best = make_gazetteer().lookup(text)[0]
    assert best.place.name == name
    assert best.score >= 80


def test_address_resolves_to_the_most_specific_place_named_in_it():
    matches = make_gazetteer().lookup("杭州市西湖区北山街道宝石社区5号楼")
    assert matches[0].place.name == "宝石社区"
    assert "北山街道" in [m.place.name for m in matches]


def test_near_misses_score_low_but_are_offered():
    matches = make_gazetteer().lookup("宝右社区")
    assert matches[0].place.name == "宝石社区"
    assert 40 <= matches[0].score < 80


def test_nothing_like_it_returns_nothing():
    assert make_gazetteer().lookup("火星基地") == []
    assert make_gazetteer().lookup("   ") == []
    assert make_gazetteer().lookup("新") == []


def test_limit():
    assert len(make_gazetteer().lookup("宝石社区第3网格", limit=1)) == 1


def test_normalize_name_keeps_short_names_whole():
    assert normalize_name("新村") == "新村"
    assert normalize_name("Ｂ座 社区") == "b座"
    assert normalize_name("宝石社区居民委员会") == "宝石"
