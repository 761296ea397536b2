import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-solide-2026"


def test_new_user_signs_up_and_reaches_onboarding(page, site, perche):
    page.goto("/")
    expect(page).to_have_title(re.compile("Majorité prête"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    page.get_by_role("link", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Création"))
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    page.get_by_label("E-mail").fill("lina@exemple.fr")
    page.get_by_label("Mot de passe", exact=False).first.fill(PASSWORD)
    page.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    page.get_by_role("button", name="Création de compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("adresse"))

    link = re.search(
        r"https?://[^/\s]+(/compte/confirm-email/\S+/)", mail.outbox[0].body
    )[1]
    page.goto(link)
    page.get_by_role("button", name="Confirmer").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Compléter mon profil")
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    # Bad input first: a 14-year-old is kindly refused, nothing is saved.
    page.get_by_label("Ton prénom").fill("Lina")
    page.get_by_label("Ta date de naissance").fill("2013-01-01")
    page.get_by_label("Ta commune de résidence").fill("Nogent-le-Rotrou")
    page.get_by_label("J'ai lu et j'accepte").check()
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.get_by_role("alert")).to_contain_text("à partir de 15 ans")
    assert serious_violations(page) == []

    page.get_by_label("Ta date de naissance").fill("2009-03-14")
    page.get_by_label("J'ai lu et j'accepte").check()
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.get_by_text("Bonjour Lina").first).to_be_visible()
    assert User.objects.get(email="lina@exemple.fr").learner_profile.commune.name == (
        "Nogent-le-Rotrou"
    )


def test_onboarding_works_without_javascript(page_without_js, site, perche, user):
    page = page_without_js
    log_in(page, user.email, "Mot-de-passe-solide-42")
    expect(page.get_by_role("heading", level=1)).to_have_text("Compléter mon profil")

    page.get_by_label("Ton prénom").fill("Sam")
    page.get_by_label("Ta date de naissance").fill("2009-03-14")
    page.get_by_label("Ta commune de résidence").fill("28330")
    page.get_by_label("J'ai lu et j'accepte").check()
    page.get_by_role("button", name="Enregistrer mon profil").click()
    # Several communes share the postcode: the page asks which one.
    expect(page.get_by_role("group", name="Quelle est ta commune ?")).to_be_visible()
    page.get_by_label(re.compile("^Authon-du-Perche")).check()
    page.get_by_label("J'ai lu et j'accepte").check()
    page.get_by_role("button", name="Enregistrer mon profil").click()
    expect(page.get_by_text("Bonjour Sam").first).to_be_visible()
    user.refresh_from_db()
    assert user.learner_profile.commune.name == "Authon-du-Perche"
