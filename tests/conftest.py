from pathlib import Path

import pytest
from django.core.cache import cache
from hypothesis import settings as hypothesis_settings

from curriculum.services import site_setup
from territories.services import communes_import

from .factories import UserFactory

# Property tests: no example database on disk, no per-example deadline (CI machines
# vary in speed).
hypothesis_settings.register_profile("project", database=None, deadline=None)
hypothesis_settings.load_profile("project")

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


@pytest.fixture
def smtp_sink(settings):
    """A real SMTP server; Django's SMTP backend points at it."""
    from .smtp_sink import SmtpSink

    with SmtpSink() as sink:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = sink.port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_HOST_USER = ""
        yield sink
