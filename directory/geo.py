"""Great-circle distances and bounding boxes, in kilometres. Pure functions."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088  # mean Earth radius (IUGG)


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float

    def contains(self, lat: float, lon: float) -> bool:
        return (
            self.min_lat <= lat <= self.max_lat and self.min_lon <= lon <= self.max_lon
        )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle distance between two points given in decimal degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = (
        math.sin(d_phi / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> BoundingBox:
    """The smallest latitude/longitude box holding every point within `radius_km`.

    A square around the circle: the exact distance is computed afterwards. Both
    half-widths are exact on the same sphere as `haversine_km`: the usual
    shortcut (r / 111.32 and r / (111.32 · cos lat)) is about 0.1 % too narrow,
    enough to drop a place at 9.99 km from a 10 km search, and the circle reaches
    further in longitude than r / cos lat away from the equator
    (asin(sin(r/R) / cos lat), Chamberlain). Near a pole the box spans every
    longitude.
    """
    angle = radius_km / EARTH_RADIUS_KM  # radians
    d_lat = math.degrees(angle)
    if lat + d_lat >= 90 or lat - d_lat <= -90:
        d_lon = 180.0
    else:
        ratio = math.sin(angle) / math.cos(math.radians(lat))
        d_lon = 180.0 if ratio >= 1 else math.degrees(math.asin(ratio))
    return BoundingBox(
        min_lat=max(-90.0, lat - d_lat),
        max_lat=min(90.0, lat + d_lat),
        min_lon=lon - d_lon,
        max_lon=lon + d_lon,
    )
