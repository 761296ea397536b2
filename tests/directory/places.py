"""Help places for the directory's tests."""

from datetime import date
from pathlib import Path

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
