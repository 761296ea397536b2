import pytest

from directory.models import HelpPlace
from directory.services import help_places_import
from territories.models import Commune
from tests.factories import CommuneFactory

from .places import DEMO_CSV


@pytest.fixture
def demo(perche):
    """The demo directory: 11 places in the three départements."""
    help_places_import(data=DEMO_CSV.read_bytes())
    return {place.standard_id: place for place in HelpPlace.objects.all()}


@pytest.fixture
def nogent(perche):
    return Commune.objects.get(insee_code="28280")


@pytest.fixture
def reims(db):
    """The commune of the standard's official example."""
    return CommuneFactory(
        insee_code="51454",
        name="Reims",
        departement="51",
        postcodes="51100",
        latitude=49.2535,
        longitude=4.0551,
    )
