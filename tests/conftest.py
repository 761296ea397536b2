from pathlib import Path

import pytest
from django.core.cache import cache

from curriculum.services import site_setup
from territories.services import communes_import

from .factories import UserFactory

COMMUNES_CSV = (
    Path(__file__).resolve().parent.parent / "territories/data/communes-perche.csv"
)


@pytest.fixture
def site(db):
    """The Wagtail site as `setup_site` leaves it: home, legal pages, terms."""
    return site_setup()


@pytest.fixture
def perche(db):
    """The 151 real communes of the Perche and their seven EPCIs."""
    return communes_import(data=COMMUNES_CSV.read_bytes())


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth keeps its rate-limit counters in the cache: each test starts afresh."""
    cache.clear()
    yield
    cache.clear()
