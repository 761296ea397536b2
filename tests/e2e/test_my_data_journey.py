import json
import re
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import expect

from accounts.models import User
from territories.models import Commune
from tests.factories import LearnerProfileFactory

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Mot-de-passe-solide-42"


@pytest.fixture
def learner(site, perche):
    return LearnerProfileFactory(
        user__email="lou@exemple.fr",
        user__first_name="Lou",
        birth_date=date(2009, 3, 14),
        commune=Commune.objects.get(name="Nogent-le-Rotrou"),
    ).user


def _check(page) -> None:
    assert serious_violations(page) == []
    assert fits_phone_width(page)


def _correct_commune(page, *, check=_check) -> None:
    """Types a postcode shared by several communes, then picks hers."""
    page.get_by_label("Ta commune de résidence").fill("28330")
    page.get_by_role("button", name="Enregistrer les corrections").click()
    expect(page.get_by_role("group", name="Quelle est ta commune ?")).to_be_visible()
    check(page)
    page.get_by_label(re.compile("^Authon-du-Perche")).check()
    page.get_by_role("button", name="Enregistrer les corrections").click()
    expect(page.get_by_text("C'est corrigé")).to_be_visible()


def _download(page) -> dict:
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger le fichier").click()
    assert download.value.suggested_filename.startswith("majorite-prete-mes-donnees-")
    return json.loads(Path(download.value.path()).read_text(encoding="utf-8"))


def _delete_account(page, *, check=_check) -> None:
    page.get_by_role("link", name="Supprimer mon compte…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supprimer mon compte")
    check(page)
    page.get_by_label("Pour confirmer, écris le mot « supprimer »").fill("supprimer")
    page.get_by_role("button", name="Supprimer mon compte pour de bon").click()
    expect(page.get_by_text("Ton compte et tes données sont supprimés")).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()


def test_a_learner_corrects_downloads_and_deletes(page, learner):
    log_in(page, learner.email, PASSWORD)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes données"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes données")
    _check(page)
    page.get_by_role("main").get_by_role("link", name="Mon compte", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon compte")
    _check(page)

    # A mistake first: nothing is lost, the message says what to do.
    page.get_by_label("Ta date de naissance").fill("2030-01-01")
    page.get_by_role("button", name="Enregistrer les corrections").click()
    expect(page.get_by_role("alert")).to_contain_text("dans le futur")
    _check(page)
    page.get_by_label("Ta date de naissance").fill("2009-03-14")

    _correct_commune(page)
    _check(page)
    page.get_by_role("main").get_by_role("link", name="Mes données", exact=True).click()
    data = _download(page)
    assert data["profil"]["commune"] == "Authon-du-Perche"
    assert data["compte"]["adresse_email"] == "lou@exemple.fr"

    page.get_by_role("link", name="Tout voir sur une page").click()
    expect(page.get_by_role("heading", name="Ton profil")).to_be_visible()
    expect(page.get_by_text("14 mars 2009")).to_be_visible()
    _check(page)
    page.get_by_role("link", name="Mes données").first.click()

    _delete_account(page)
    _check(page)
    assert not User.objects.filter(email="lou@exemple.fr").exists()


def _nothing(page) -> None:
    """Without JavaScript, axe-core and the width check (scripts) cannot run."""


def test_the_same_without_javascript(page_without_js, learner):
    page = page_without_js
    log_in(page, learner.email, PASSWORD)
    page.goto("/compte/")
    _correct_commune(page, check=_nothing)
    page.goto("/compte/mes-donnees/")
    learner.refresh_from_db()
    assert learner.learner_profile.commune.name == "Authon-du-Perche"
    assert _download(page)["profil"]["commune"] == "Authon-du-Perche"
    _delete_account(page, check=_nothing)
    assert not User.objects.filter(email="lou@exemple.fr").exists()
