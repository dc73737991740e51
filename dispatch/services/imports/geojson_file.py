"""Reading a GeoJSON file for an import a few thousand features at a time.

A province's 500,000 cells parsed whole (``json.loads``) and checked whole held every feature as Python lists and
every shapely polygon at once: 1.9 GB. A FeatureCollection is streamed instead (ijson); any other document, or one
ijson refuses where the standard library does not (NaN, UTF-16), is parsed whole as before: such files are a single
feature, or rejected anyway.
"""

from __future__ import annotations

import codecs
import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from dispatch.services.errors import FieldError, InvalidInput

PART = 5_000  # features checked and written together: their dicts and polygons are what the import holds
_VALUE_EVENTS = frozenset({"start_map", "start_array", "string", "number", "boolean", "null"})


class GeoJsonFile:
    """A GeoJSON file read once to count its features (and find whether it is JSON at all), then in parts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        count = _streamable_count(path)
        self._streamed = count is not None
        self._document = None if self._streamed else load_geojson(path)  # may be None itself: the file says null
        self.count = count if self._streamed else feature_count(self._document)

    def parts(self) -> Iterator[tuple[int, Any]]:
        """(index of its first feature, a FeatureCollection of at most ``PART`` features), in file order; a document
        that is not streamed is one part."""
        if not self._streamed:
            yield 0, self._document
            return
        with _open(self.path) as handle:
            features = ijson.items(handle, "features.item", use_float=True)
            for first in itertools.count(0, PART):
                batch = _read(features, PART)
                if not batch:
                    return
                yield first, {"type": "FeatureCollection", "features": batch}


def load_geojson(path: Path) -> Any:
    """The parsed file, or InvalidInput saying why it is not JSON."""
    try:
        return json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput([FieldError("file", "malformed_geojson", {"detail": str(exc)})]) from exc


def feature_count(data: Any) -> int:
    """Features in a parsed document, for the progress bar; the importer itself says what is wrong with it."""
    features = data.get("features") if isinstance(data, dict) else None
    return len(features) if isinstance(features, list) else 1


def _streamable_count(path: Path) -> int | None:
    """Features of a FeatureCollection that can be streamed: one ``features`` list, not empty, no top-level key that
    ijson's prefixes would confuse with it. None for any other document or one ijson cannot read."""
    kind, lists, keys, count = None, 0, 0, 0
    try:
        with _open(path) as handle:
            for prefix, event, value in ijson.parse(handle, use_float=True):
                if prefix == "features.item":
                    count += event in _VALUE_EVENTS
                elif prefix == "type":
                    kind = value if event == "string" else None
                elif prefix == "features":
                    lists += event == "start_array"
                elif prefix == "" and event == "map_key":
                    keys += value == "features" or "." in value
    except (ijson.JSONError, ValueError):
        return None
    return count if kind == "FeatureCollection" and lists == keys == 1 and count else None


def _open(path: Path) -> IO[bytes]:
    """The file in binary, past a UTF-8 byte-order mark (GIS tools on Windows write one; json.loads accepts it)."""
    handle = path.open("rb")
    if handle.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
        handle.seek(0)
    return handle


def _read(features: Iterator[Any], size: int) -> list[Any]:
    try:
        return list(itertools.islice(features, size))
    except (ijson.JSONError, ValueError) as exc:  # the file changed since it was counted
        raise InvalidInput([FieldError("file", "malformed_geojson", {"detail": str(exc)})]) from exc
