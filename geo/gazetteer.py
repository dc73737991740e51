"""Offline gazetteer: find our own places (communities, grid cells, landmarks, roads) by name.

Names are compared after normalization (NFKC, lower case, spaces and punctuation
removed, a trailing administrative suffix such as 社区, 街道 or 村 dropped), so
"宝石社区", "宝石 社区" and "宝石" are the same name. Matching is then fuzzy
(see ``Gazetteer.lookup``): an exact name scores 100, a name contained in a longer
address ("西湖区北山街道宝石社区5号") scores 90, near misses score lower and serve as
suggestions. Coordinates are WGS-84 (lon, lat) degrees.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

__all__ = ["Gazetteer", "Match", "Place", "normalize_name"]

# Longest first, so "社区居委会" is removed whole rather than leaving "社区".
_SUFFIXES = (
    "社区居民委员会",
    "村民委员会",
    "居民委员会",
    "街道办事处",
    "社区居委会",
    "村委会",
    "居委会",
    "办事处",
    "社区",
    "街道",
    "网格",
    "小区",
    "村",
    "镇",
    "乡",
)
# A stripped name shorter than this is too ambiguous ("新村" must not become "新").
_MIN_STRIPPED_LENGTH = 2
_IN_TEXT_SCORE = 90.0
_INSIDE_NAME_SCORE = 85.0
# More specific kinds win ties: a landmark beats the community of the same name.
# Place kinds, most specific first: a tie between names goes to the more specific place.
KINDS = ("landmark", "road", "grid_cell", "community", "subdistrict", "county")
_KIND_RANK = {kind: rank for rank, kind in enumerate(KINDS)}


@dataclass(frozen=True)
class Place:
    """A named place at a WGS-84 point; ``kind`` e.g. "community" or "road", ``ref_id`` our row id, ``name_en`` its
    English name when known, ``line`` a road's polyline of (lon, lat) points when known (``lon, lat`` lie on it)."""

    name: str
    lon: float
    lat: float
    kind: str
    ref_id: int | str | None = None
    name_en: str = ""
    line: tuple[tuple[float, float], ...] | None = None


@dataclass(frozen=True)
class Match:
    """A place and how well it matched a query, 0-100."""

    place: Place
    score: float


def normalize_name(text: str) -> str:
    """The comparable form of a Chinese place name or address (see module doc)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    compact = "".join(ch for ch in folded if ch.isalnum())
    return _strip_suffix(compact)


def _strip_suffix(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= _MIN_STRIPPED_LENGTH:
            return name[: -len(suffix)]
    return name


class Gazetteer:
    """An immutable, in-memory name index over ``Place`` entries."""

    def __init__(self, entries: Iterable[Place]) -> None:
        self._places = tuple(entries)
        self._by_key: dict[str, list[Place]] = {}
        for place in self._places:
            key = normalize_name(place.name)
            if key:
                self._by_key.setdefault(key, []).append(place)
        self._keys = list(self._by_key)

    def __len__(self) -> int:
        return len(self._places)

    def lookup(self, text: str, limit: int = 5, min_score: float = 40.0) -> list[Match]:
        """Up to ``limit`` places matching ``text``, best first, each scoring at least ``min_score``.

        Scores: 100 for the same name, 90 for a name found inside the text (an
        address), 85 for text found inside a longer name, otherwise the
        Levenshtein similarity (RapidFuzz ``ratio``). Among names found inside an
        address the one found later wins, since addresses run from the larger
        area to the smaller.
        """
        query = normalize_name(text)
        if not query or limit < 1:
            return []
        scored = self._score_keys(query, min_score, max(limit * 10, 50))
        ranked = sorted(
            (_rank(query, key, score, place), Match(place, round(score, 1)))
            for key, score in scored.items()
            for place in self._by_key[key]
        )
        return [match for _, match in ranked[:limit]]

    def _score_keys(self, query: str, min_score: float, fuzzy_limit: int) -> dict[str, float]:
        scores: dict[str, float] = {}
        # One character is inside far too many names to mean anything: exact only.
        if len(query) >= _MIN_STRIPPED_LENGTH:
            for key, score, _ in process.extract(
                query, self._keys, scorer=fuzz.ratio, processor=None, limit=fuzzy_limit, score_cutoff=min_score
            ):
                scores[key] = float(score)
            for key in self._keys:
                if query in key:
                    scores[key] = max(scores.get(key, 0.0), _INSIDE_NAME_SCORE)
            for key in _substrings(query):
                if key in self._by_key:
                    scores[key] = _IN_TEXT_SCORE
        if query in self._by_key:
            scores[query] = 100.0
        return scores


def _substrings(text: str) -> set[str]:
    """Every substring of at least two characters; addresses are short, so this is cheap."""
    size = len(text)
    return {text[i:j] for i in range(size) for j in range(i + _MIN_STRIPPED_LENGTH, size + 1)}


def _rank(query: str, key: str, score: float, place: Place) -> tuple:
    position = query.rfind(key)
    # Found in the text: later and longer is more specific. Otherwise (fuzzy, or
    # a name containing the text) the shorter name is the closer one.
    specificity = (-(position + len(key)), -len(key)) if position >= 0 else (0, len(key))
    return (-score, *specificity, _KIND_RANK.get(place.kind, 5), place.name, str(place.ref_id))
