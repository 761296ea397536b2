"""Help places for the directory's tests."""

import csv
import io
from datetime import date
from pathlib import Path

from directory import standard
from directory.models import HelpPlace
from territories.models import Commune

DEMO_CSV = Path(__file__).resolve().parents[2] / "directory/data/demo-lieux.csv"


def place(commune: Commune, standard_id: str, **fields) -> HelpPlace:
    """A place at the commune's town hall, unless `fields` say otherwise."""
    values = {
        "pivot": "43493312300029",
        "nom": f"Lieu {standard_id}",
        "commune_nom": commune.name,
        "code_postal": commune.main_postcode,
        "adresse": "1 place de la Mairie",
        "latitude": commune.latitude,
        "longitude": commune.longitude,
        "date_maj": date(2026, 11, 2),
        "commune": commune,
        "coordinates_source": HelpPlace.CoordinatesSource.PLACE,
        **fields,
    }
    return HelpPlace.objects.create(standard_id=standard_id, **values)


def csv_bytes(*rows: dict) -> bytes:
    """A CSV in the standard: every column, empty unless a row fills it."""
    columns = standard.column_names()
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({**dict.fromkeys(columns, ""), **row})
    return out.getvalue().encode()


def csv_row(**changes) -> dict:
    """A valid line: a place at Nogent-le-Rotrou's town hall."""
    return {
        "id": "lieu-importe",
        "pivot": "43493312300029",
        "nom": "Point numérique de la mairie",
        "commune": "Nogent-le-Rotrou",
        "code_postal": "28400",
        "code_insee": "28280",
        "adresse": "Place Saint-Pol",
        "date_maj": "2026-11-02",
        "horaires": "Mo-Fr 09:00-12:00",
        "services": "Aide aux démarches administratives",
        **changes,
    }
