"""Help places out, as a CSV in the national standard (`data/schema.json`).

The file is what `help_places_import` reads back unchanged: the schema's columns in
its order, UTF-8 without byte order mark, multi-valued cells joined with `|`, dates
as YYYY-MM-DD, numbers with a decimal point.
"""

import csv
import io
from typing import Any

from territories.models import EPCI

from . import standard
from .models import HelpPlace

# Coordinates copied from the town hall are ours, not the place's: left empty.
COORDINATE_COLUMNS = ("latitude", "longitude")


def cell(column: standard.Column, value: Any) -> str:
    """One value as the standard writes it (the reverse of `Column.check`)."""
    if value is None:
        return ""
    if column.multiple:
        return standard.SEPARATOR.join(value)
    if column.type == "date":
        return value.isoformat()
    if column.type == "number":
        # The shortest text that reads back as the same float.
        return repr(float(value))
    return str(value)


def help_place_row(place: HelpPlace) -> list[str]:
    from_commune = place.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    return [
        ""
        if from_commune and column.name in COORDINATE_COLUMNS
        else cell(column, getattr(place, column.field))
        for column in standard.columns()
    ]


def help_places_export_csv(*, epci: EPCI | None = None) -> bytes:
    """The directory (or the places one EPCI manages) as a CSV in the standard."""
    places = HelpPlace.objects.order_by("standard_id")
    if epci is not None:
        places = places.filter(epci=epci)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(standard.column_names())
    for place in places.iterator():
        writer.writerow(help_place_row(place))
    return out.getvalue().encode("utf-8")


def export_filename(*, epci: EPCI | None = None) -> str:
    if epci is None:
        return "lieux-d-aide.csv"
    return f"lieux-d-aide-{epci.siren}.csv"
