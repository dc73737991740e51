"""The 导航 links of a task, as the API shows them."""

from __future__ import annotations

from pydantic import BaseModel, Field

from dispatch.domain.navigation import MapApp
from geo.coords import CoordSystem


class MapLinkOut(BaseModel):
    app: MapApp
    system: CoordSystem = Field(description="the coordinate system of lon, lat and of the links: the one the app reads")
    lon: float
    lat: float
    app_url: str = Field(description="opens the installed app at a route to the place (its public URI scheme)")
    web_url: str = Field(description="the same place on the app's web map, for a phone without the app")
