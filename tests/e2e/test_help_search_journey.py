import re
from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from demo.services import HELP_PLACES_CSV
from directory.services import help_places_import

from .conftest import fits_phone_width, serious_violations

pytestmark = pytest.mark.browser

# A Tuesday at 10:00 in Paris: the clock is the only thing set by hand.
TUESDAY_MORNING = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))


@pytest.fixture
def places(site, perche):
    help_places_import(data=HELP_PLACES_CSV.read_bytes())


@pytest.fixture
def fixed_clock():
    """Django's clock, for the whole process (the live server runs in a thread)."""
    with mock.patch("django.utils.timezone.now", return_value=TUESDAY_MORNING):
        yield


def search_from_nogent(page):
    page.goto("/")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Trouver de l'aide"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Trouver de l'aide")
    page.get_by_label("Commune").fill("Nogent-le-Rotrou")
    page.get_by_label("Distance maximale").select_option("30")


def test_visitor_searches_filters_open_now_and_opens_a_place(page, places, fixed_clock):
    search_from_nogent(page)
    assert serious_violations(page) == []
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("8 lieux")
    assert fits_phone_width(page)

    page.get_by_label("Ouvert maintenant").check()
    page.get_by_role("button", name="Chercher").click()
    # Only the places whose hours are known and open on a Tuesday at 10:00.
    results = page.get_by_role("link", name=re.compile("Comité Bassin Emploi"))
    expect(results).to_be_visible()
    expect(page.get_by_role("link", name="Maison du Tertre")).to_have_count(0)
    assert serious_violations(page) == []

    results.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Comité Bassin Emploi")
    expect(page.get_by_text("Ouvert — ferme à 18 h 30").first).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)


def test_search_works_without_javascript(page_without_js, places):
    page = page_without_js
    search_from_nogent(page)
    page.get_by_role("button", name="Chercher").click()
    expect(page.get_by_text(re.compile("Senonches")).first).to_have_count(0)
    expect(
        page.get_by_role("link", name=re.compile("France Services La Loupe"))
    ).to_be_visible()
