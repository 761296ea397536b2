"""In-person validation with two phones: the learner shows their passport, the
informer (360 px) types the code, validates AMELI-01 with a note and records the
visit; the learner's Mon parcours then says who validated it and who opened the
record. axe-core clean on every new page (axe needs JavaScript); then the
informer's pages again, without JavaScript."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Role
from assessments import services
from assessments.models import Visit
from demo.content import curriculum_load
from tests.assessments.informers import help_place, informer_at
from tests.factories import CommuneFactory, LearnerProfileFactory, RoleMembershipFactory

from .conftest import PHONE, fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Mot-de-passe-solide-42"  # the factories'


def _check(page):
    assert serious_violations(page) == []
    assert fits_phone_width(page)


@pytest.fixture
def people(site):
    curriculum_load(home=site, now=timezone.now() - timedelta(hours=1))
    place = help_place("Point Information Jeunesse – Communauté de communes du Perche")
    informer = informer_at(place, email="karim@pij-perche.example.fr").user
    RoleMembershipFactory(role=Role.COORDINATOR, epci=place.epci)
    learner = LearnerProfileFactory(
        user__email="lina@exemple.fr",
        user__first_name="Lina",
        commune=CommuneFactory(name="Nogent-le-Rotrou", epci=place.epci),
    ).user
    return learner, informer


@pytest.fixture
def informer_phone(browser, site_is_live_server):
    """The informer's own phone: a second browser context."""
    context = browser.new_context(
        viewport=PHONE, locale="fr-FR", base_url=site_is_live_server.url
    )
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    yield phone
    context.close()


def test_a_learner_has_a_competency_validated_in_person(page, informer_phone, people):
    learner, informer = people

    # The learner's phone: Mon parcours, then Mon passeport.
    log_in(page, learner.email, PASSWORD)
    page.goto("/parcours/")
    page.get_by_role("link", name="Mon passeport").first.click()
    expect(page.get_by_role("heading", name="Mon passeport")).to_be_visible()
    page.get_by_role("button", name="Obtenir mon code").click()
    code = page.locator(".passport-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4} [A-Z0-9]{4}", code)
    expect(page.locator(".passport-qr svg")).to_be_visible()
    _check(page)

    # The informer's phone.
    informer_page = informer_phone
    log_in(informer_page, informer.email, PASSWORD)
    informer_page.goto("/espace/")
    _check(informer_page)
    informer_page.get_by_label("Code du passeport").fill(code.lower())
    informer_page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(informer_page.get_by_role("heading", level=1)).to_have_text("Lina, 17 ans")
    expect(informer_page.get_by_text("À côté, pas à la place")).to_be_visible()
    _check(informer_page)
    ameli = informer_page.locator("li.record", has_text="AMELI-01")
    ameli.get_by_label("Votre note sur ce que vous avez vu").fill(
        "Connexion seule à ameli, attestation de droits téléchargée."
    )
    ameli.get_by_role("button", name="Valider").click()
    expect(informer_page.get_by_text("C'est validé")).to_be_visible()
    _check(informer_page)

    # The same code again (a screenshot sent to a friend): refused.
    informer_page.goto("/espace/passeport/")
    informer_page.get_by_label("Code du passeport").fill(code)
    informer_page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(informer_page.get_by_text("déjà utilisé")).to_be_visible()
    _check(informer_page)

    # A visit of someone else, in a few taps.
    informer_page.goto("/espace/")
    informer_page.get_by_role("link", name="Noter un passage").click()
    informer_page.get_by_label("CPAM / ameli").check()
    informer_page.get_by_label("18 – 21 ans").check()
    informer_page.get_by_label("Durée (minutes)").fill("20")
    _check(informer_page)
    informer_page.get_by_role("button", name="Noter le passage").click()
    expect(informer_page.get_by_text("Passage noté au registre")).to_be_visible()
    assert Visit.objects.count() == 2  # the validation session, and this one
    informer_page.get_by_role("link", name=re.compile("Bilan du mois")).click()
    expect(informer_page.get_by_text("2 passages")).to_be_visible()
    _check(informer_page)

    # Back on the learner's phone.
    page.goto("/parcours/")
    expect(
        page.get_by_text(re.compile("validée en personne par Karim"))
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Qui a ouvert ton dossier")).to_be_visible()
    _check(page)


def test_the_informers_pages_work_without_javascript(page_without_js, people):
    learner, informer = people
    _, code = services.passport_issue(learner=learner)
    page = page_without_js
    log_in(page, informer.email, PASSWORD)
    page.goto("/espace/")
    page.get_by_label("Code du passeport").fill(code)
    page.get_by_role("button", name="Ouvrir le dossier").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lina, 17 ans")
    aide = page.locator("li.record", has_text="AIDE-01")
    aide.get_by_label("Votre note sur ce que vous avez vu").fill("A trouvé le PIJ.")
    aide.get_by_role("button", name="Valider").click()
    expect(page.get_by_text("C'est validé")).to_be_visible()
    page.goto("/espace/")
    page.get_by_role("link", name="Noter un passage").click()
    page.get_by_label("Impôts").check()
    page.get_by_label("Commune de la personne (facultatif)").fill("Nogent-le-Rotrou")
    page.get_by_role("button", name="Noter le passage").click()
    expect(page.get_by_text("Passage noté au registre")).to_be_visible()
    page.get_by_role("link", name=re.compile("Retirer")).first.click()
    page.get_by_label("Raison du retrait").fill("Mauvais dossier ouvert.")
    page.get_by_role("button", name="Retirer la validation").click()
    expect(page.get_by_text("Validation retirée")).to_be_visible()
