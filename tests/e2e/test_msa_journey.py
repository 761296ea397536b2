"""A learner of a farming family says so in Mon compte, then the health module shows
her the MSA's way, in a page that passes axe and fits a phone."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.content import curriculum_load
from territories.models import Commune
from tests.factories import LearnerProfileFactory

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Mot-de-passe-solide-42"


@pytest.fixture
def learner(site, perche):
    curriculum_load(home=site, now=timezone.now())
    return LearnerProfileFactory(
        user__email="lison@exemple.fr",
        birth_date=date(2009, 6, 2),
        commune=Commune.objects.get(name="Nogent-le-Rotrou"),
    ).user


def test_a_learner_of_the_msa_sees_the_msa_procedures(page, learner):
    log_in(page, learner.email, PASSWORD)
    page.goto("/modules/cpam-ameli/")
    card = page.locator("section.procedure-card", has_text="Créer son compte ameli")
    expect(card.get_by_text("Ta famille dépend de la MSA ?")).to_be_visible()

    page.goto("/compte/")
    page.get_by_label("Ta famille dépend-elle de la MSA ?").select_option("oui")
    page.get_by_role("button", name="Enregistrer les corrections").click()
    expect(page.get_by_text("C'est corrigé")).to_be_visible()

    page.goto("/modules/cpam-ameli/")
    expect(card.get_by_text(re.compile("pour toi, la MSA"))).to_be_visible()
    expect(
        card.get_by_role("link", name=re.compile("Le site de la MSA"))
    ).to_have_attribute("href", "https://www.msa.fr")
    expect(card.get_by_text("Source officielle")).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)
