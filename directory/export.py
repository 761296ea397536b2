"""Help places out, as a CSV in the national standard (`data/schema.json`).

The file is what `help_places_import` reads back unchanged: the schema's columns in
its order, UTF-8 without byte order mark, multi-valued cells joined with `|`, dates
as YYYY-MM-DD, numbers with a decimal point.

No cell of it runs as a formula in a spreadsheet. The import and the CMS form refuse
such text (`standard.formula_error`), but a row stored before that rule may hold
one: its cell is written after an apostrophe, as OWASP advises (the spreadsheet
shows the text, apostrophe included, and runs nothing). The place stays in the file
rather than vanish from an export someone relies on, and the apostrophe shows what
to correct; every other cell is written as stored.
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


def spreadsheet_safe(column: standard.Column, text: str) -> str:
    """The cell, defused if a spreadsheet would run it (see the module's note).
    A number, or a phone number that fits the standard (`+33…`), is no formula."""
    if standard.formula_error(text) and (column.free_text or column.check(text)[1]):
        return "'" + text
    return text


def help_place_row(place: HelpPlace) -> list[str]:
    from_commune = place.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    return [
        ""
        if from_commune and column.name in COORDINATE_COLUMNS
        else spreadsheet_safe(column, cell(column, getattr(place, column.field)))
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
