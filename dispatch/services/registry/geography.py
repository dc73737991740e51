"""The grid-cell index, the gazetteer of our own place names (cells, communities, subdistricts, landmarks and roads)
and the namer of points built from both, kept per process and refreshed when cells or landmarks change.

The database is the record: each process compares a cheap fingerprint of the cells and landmarks tables (row counts
and latest changes) at most every ``CHECK_SECONDS`` and rebuilds off to the side when it moved; other requests keep
using the old snapshot until the new one is swapped in. The process that changed a cell or landmark calls
``cells_changed()`` and sees the change at once; other web processes and workers see it within ``CHECK_SECONDS``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import shapely
from flask import current_app
from sqlalchemy import func, select

from dispatch.extensions import db
from dispatch.models import Community, GridCell, Landmark, Subdistrict
from geo.cells import Cell, GridIndex
from geo.gazetteer import Gazetteer, Place
from geo.nearby import PlaceNamer

CHECK_SECONDS = 2.0


@dataclass(frozen=True)
class Places:
    """One consistent snapshot: the cell index and the gazetteer built from the same rows."""

    fingerprint: tuple
    cells: GridIndex
    gazetteer: Gazetteer
    namer: PlaceNamer


class PlaceCache:
    def __init__(self) -> None:
        self._places: Places | None = None
        self._checked_at = 0.0
        self._lock = threading.Lock()

    def current(self) -> Places:
        """The snapshot to use for this request, rebuilt first if the cells changed.

        One request does the check (and any rebuild); others arriving meanwhile use the snapshot they have,
        unless there is none yet, in which case they wait for the first one.
        """
        if self._places is None or time.monotonic() - self._checked_at > CHECK_SECONDS:
            self._refresh(wait=self._places is None)
        return self._places  # type: ignore[return-value]

    def invalidate(self) -> None:
        self._checked_at = 0.0

    def _refresh(self, wait: bool) -> None:
        if not self._lock.acquire(blocking=wait):
            return
        try:
            fingerprint = _fingerprint()
            if self._places is None or fingerprint != self._places.fingerprint:
                self._places = _build(fingerprint)  # built off to the side, then swapped in by one assignment
            self._checked_at = time.monotonic()
        finally:
            self._lock.release()


def _fingerprint() -> tuple:
    cells = db.session.execute(select(func.count(GridCell.id), func.max(GridCell.updated_at))).one()
    landmarks = db.session.execute(select(func.count(Landmark.id), func.max(Landmark.updated_at))).one()
    return (*cells, *landmarks)


def _build(fingerprint: tuple) -> Places:
    rows = db.session.execute(
        select(
            GridCell.id,
            GridCell.code,
            GridCell.name,
            GridCell.geometry,
            Community.id,
            Community.name_zh,
            Subdistrict.id,
            Subdistrict.name_zh,
            Subdistrict.county_id,
            Community.name_en,
            Subdistrict.name_en,
        )
        .join(Community, GridCell.community_id == Community.id)
        .join(Subdistrict)
    ).all()
    geometries = shapely.from_geojson(np.array([row[3] for row in rows], dtype=object)) if rows else []
    cells = [
        Cell(id=r[0], geometry=g, community_id=r[4], subdistrict_id=r[6], county_id=r[8], code=r[1], name=r[2])
        for r, g in zip(rows, geometries, strict=True)
    ]
    index, names = GridIndex(cells), _place_names(rows, geometries) + _landmarks()
    return Places(fingerprint, index, Gazetteer(names), PlaceNamer(index, names))


def _landmarks() -> list[Place]:
    return [
        Place(m.name_zh, m.lon, m.lat, m.kind.value, m.id, m.name_en, tuple(map(tuple, m.line)) if m.line else None)
        for m in db.session.scalars(select(Landmark).order_by(Landmark.id))
    ]


def _place_names(rows, geometries) -> list[Place]:
    """Cells by name, and communities and subdistricts at the middle of their cells."""
    places, groups = [], defaultdict(list)
    for row, geometry in zip(rows, geometries, strict=True):
        point = geometry.representative_point()
        places.append(Place(row[2], point.x, point.y, "grid_cell", row[0]))
        groups[("community", row[4], row[5], row[9])].append(point)
        groups[("subdistrict", row[6], row[7], row[10])].append(point)
    for (kind, ref_id, name, name_en), points in groups.items():
        lon, lat = float(np.mean([p.x for p in points])), float(np.mean([p.y for p in points]))
        places.append(Place(name, lon, lat, kind, ref_id, name_en or ""))
    return places


def places() -> Places:
    """This process's snapshot of cells and place names."""
    return current_app.extensions["dispatch.places"].current()


def cells_changed() -> None:
    """Call after writing cells, so this process rebuilds on its next read."""
    current_app.extensions["dispatch.places"].invalidate()
