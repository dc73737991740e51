"""Reading a GeoJSON file for an import a few thousand features at a time.

A province's 500,000 cells parsed whole (``json.loads``) and checked whole held every feature as Python lists and
every shapely polygon at once: 1.9 GB. A FeatureCollection is streamed instead (ijson); a single Feature or geometry,
or a file ijson refuses where the standard library does not (NaN, UTF-16), is parsed whole as before.

The first reading (counting the features) is also the file's guard: it refuses, before anything is built, nesting
deeper than a request may (``MAX_JSON_DEPTH``), a value longer than any column (ijson's C parser reads a value cut
by its read buffer again from its start at every read: time in the square of its length), an unpaired surrogate
escape (the parser writes ``?`` for it) and any document that is no FeatureCollection, Feature or geometry.
"""

from __future__ import annotations

import codecs
import itertools
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import ijson

from dispatch.api.validation import MAX_JSON_DEPTH
from dispatch.services.errors import FieldError, InvalidInput
from dispatch.services.imports.csv_rows import file_encoding

PART = 5_000  # features checked and written together: their dicts and polygons are what the import holds
MAX_VALUE_BYTES = 1 << 20  # no name, code or coordinate comes near; past it a value is refused, not read
WHOLE_FILE_BYTES = 256 << 20  # a file ijson refuses is read whole by the standard library only up to this size
GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "GeometryCollection"}
)
_OPENS = frozenset({"start_map", "start_array"})
_CLOSES = frozenset({"end_map", "end_array"})
# \uD800-\uDBFF not followed by \uDC00-\uDFFF, or \uDC00-\uDFFF not preceded by \uD800-\uDBFF
_LONE_SURROGATE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})"
    rb"|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


def refused(code: str, **params: Any) -> InvalidInput:
    """A problem with the file as a whole (not one feature of it)."""
    return InvalidInput([FieldError("file", code, params)])


class GeoJsonFile:
    """A GeoJSON file read once to count its features (and refuse what it must), then in parts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._encoding = _encoding(path)
        count = None if self._encoding is None else _streamable_count(path, self._encoding)
        self._streamed = count is not None
        self._stamp = _stamp(path.stat())  # the file the guards passed; parts() reads no other
        self._document = None if self._streamed else load_geojson(path, self._encoding)
        self.count = count if self._streamed else feature_count(self._document)

    def parts(self) -> Iterator[tuple[int, Any]]:
        """(index of its first feature, a FeatureCollection of at most ``PART`` features), in file order; a document
        that is not streamed is one part."""
        if not self._streamed:
            yield 0, self._document
            return
        with self.path.open("rb") as handle:
            if _stamp(os.fstat(handle.fileno())) != self._stamp:
                raise refused("geojson.changed")
            features = ijson.items(_Utf8Reader(handle, self._encoding), "features.item", use_float=True)
            for first in itertools.count(0, PART):
                batch = _read(features, PART)
                if not batch:
                    return
                yield first, {"type": "FeatureCollection", "features": batch}


def load_geojson(path: Path, encoding: str | None = None) -> Any:
    """The parsed file (``encoding`` None: UTF-16 or UTF-32, which the standard library finds itself), or
    InvalidInput saying why it is not JSON in words."""
    if path.stat().st_size > WHOLE_FILE_BYTES:
        raise refused("geojson.not_json")
    raw = path.read_bytes()
    try:
        document = json.loads(raw if encoding is None else raw.decode(encoding))
    except json.JSONDecodeError as exc:
        code = "geojson.extra_content" if exc.msg.startswith("Extra data") else "geojson.syntax"
        if exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string"):
            code = "geojson.cut_short"  # the file ends inside its JSON: no place in it is wrong, its end is missing
        raise refused(code, line=exc.lineno, column=exc.colno) from exc
    except UnicodeDecodeError as exc:
        raise refused("csv.encoding") from exc
    except (ValueError, RecursionError) as exc:  # an integer of over 4,300 digits; nesting past the interpreter's
        raise refused("geojson.not_json") from exc
    _check_document(document)
    return document


def feature_count(data: Any) -> int:
    """Features in a parsed document, for the progress bar; the importer itself says what is wrong with it."""
    features = data.get("features") if isinstance(data, dict) else None
    return len(features) if isinstance(features, list) else 1


def _encoding(path: Path) -> str | None:
    """``utf-8-sig`` or ``gb18030`` (read the whole file to tell), or None for UTF-16 or UTF-32."""
    with path.open("rb") as handle:
        start = handle.read(4)
    if json.detect_encoding(start) not in ("utf-8", "utf-8-sig") and not start.startswith(codecs.BOM_UTF8):
        return None
    return file_encoding(path)


def _check_document(document: Any) -> None:
    """A parsed document that is no FeatureCollection with features, Feature or geometry is refused as a whole."""
    kind = document.get("type") if isinstance(document, dict) else None
    if kind not in GEOMETRY_TYPES | {"Feature", "FeatureCollection"}:
        raise refused("geojson.not_collection")
    if kind == "FeatureCollection" and not isinstance(document.get("features"), list):
        raise refused("geojson.not_collection")
    if kind == "FeatureCollection" and not document["features"]:
        raise refused("geojson.no_features")
    if _depth(document) > MAX_JSON_DEPTH:
        raise refused("geojson.too_deep", limit=MAX_JSON_DEPTH)


def _depth(value: Any) -> int:
    deepest, level = 0, [(value, 1)]
    while level:
        item, depth = level.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            level.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


class _Scan:
    """What the first reading learns of the top level: its kind, its ``type``, its ``features`` lists and count."""

    def __init__(self) -> None:
        self.top: str | None = None
        self.kind: Any = None
        self.lists = self.odd_keys = self.count = 0

    def verdict(self) -> int | None:
        """The feature count of a FeatureCollection to stream; None for a document to read whole; else refused."""
        if self.top != "start_map" or self.kind not in GEOMETRY_TYPES | {"Feature", "FeatureCollection"}:
            raise refused("geojson.not_collection")
        if self.kind != "FeatureCollection":
            return None
        if self.lists == 0:
            raise refused("geojson.not_collection")
        if self.lists == 1 and self.count == 0:
            raise refused("geojson.no_features")
        return self.count if self.lists == 1 and self.odd_keys == 0 else None  # two lists, or keys ijson mistakes


def _streamable_count(path: Path, encoding: str) -> int | None:
    """Features of a FeatureCollection that can be streamed; None for a document to read whole (a Feature, a
    geometry, or one ijson cannot read); InvalidInput for a file refused as a whole."""
    scan, depth, key = _Scan(), 0, None
    with path.open("rb") as handle:
        reader = _Utf8Reader(handle, encoding, guard=True)
        try:
            for event, value in ijson.basic_parse(reader, use_float=True):
                reader.quiet = 0
                if event in _CLOSES:
                    depth -= 1
                    continue
                if depth == 0:
                    scan.top = scan.top or event
                elif depth == 1:
                    key = _top_level(scan, key, event, value)
                elif depth == 2 and key == "features":
                    scan.count += 1
                if event in _OPENS:
                    depth += 1
                    if depth > MAX_JSON_DEPTH:
                        raise refused("geojson.too_deep", limit=MAX_JSON_DEPTH)
        except (ijson.JSONError, ValueError):  # read whole, for the standard library to accept or place
            return None
    return scan.verdict()


def _top_level(scan: _Scan, key: str | None, event: str, value: Any) -> str | None:
    """Note a key or value of the top-level object; the key that the next value belongs to."""
    if event == "map_key":
        scan.odd_keys += "." in value  # ijson's prefixes would mistake "features.item" for the features
        return value
    if key == "type":
        scan.kind = value if event == "string" else None
    elif key == "features":
        scan.lists += event == "start_array"
    return key


class _Utf8Reader:
    """The file's bytes as UTF-8, whatever its encoding; with ``guard``, refusing an unpaired surrogate escape and
    a stretch of ``MAX_VALUE_BYTES`` read without the parser reporting a value (``quiet``, reset by the reader's
    caller at every event): one value that long."""

    def __init__(self, handle: IO[bytes], encoding: str, guard: bool = False) -> None:
        self._handle = handle
        self._decoder = None if encoding == "utf-8-sig" else codecs.getincrementaldecoder(encoding)()
        self._started = False
        self._guard = guard
        self._tail = b""
        self.quiet = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk, final=not chunk).encode("utf-8")
        elif not self._started and chunk.startswith(codecs.BOM_UTF8):  # GIS tools on Windows write one
            chunk = chunk[len(codecs.BOM_UTF8) :]
        self._started = True
        if self._guard:
            self._watch(chunk)
        return chunk

    def _watch(self, chunk: bytes) -> None:
        seen = self._tail + chunk
        for match in _LONE_SURROGATE.finditer(seen):
            # Decided with six bytes either side (the escape that may pair it), or at the file's ends: an escape
            # near the start of the kept tail was decided with the chunk before, one near the end waits for the next.
            if (match.start() >= 6 or not self._tail) and (match.end() <= len(seen) - 6 or not chunk):
                raise refused("geojson.lone_surrogate", escape=match.group().decode())
        self._tail = seen[-24:]
        if chunk.strip():
            self.quiet += len(chunk)
        if self.quiet > MAX_VALUE_BYTES:
            raise refused("geojson.value_too_long", limit=MAX_VALUE_BYTES // 1024)


def _stamp(status: os.stat_result) -> tuple[int, ...]:
    return status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns


def _read(features: Iterator[Any], size: int) -> list[Any]:
    try:
        return list(itertools.islice(features, size))
    except (ijson.JSONError, ValueError) as exc:  # the file changed since it was counted
        raise refused("geojson.changed") from exc
