import pytest

from directory.models import HelpPlace
from directory.services import help_places_import
from territories.models import Commune

from .places import DEMO_CSV


@pytest.fixture
def demo(perche):
    """The demo directory: 11 places in the three départements."""
    help_places_import(data=DEMO_CSV.read_bytes())
    return {place.standard_id: place for place in HelpPlace.objects.all()}


@pytest.fixture
def nogent(perche):
    return Commune.objects.get(insee_code="28280")
