from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from wagtail.models import Page, Site

from accounts import personal_data
from accounts.models import TermsVersion
from curriculum.content import TERMS_VERSION, legal_page_body, terms_summary
from curriculum.models import HomePage, LegalPage
from curriculum.services import site_setup
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def test_site_root_is_the_home_page_with_legal_pages(site):
    assert Site.objects.get(is_default_site=True).root_page.specific == site
    assert set(LegalPage.objects.values_list("kind", flat=True)) == {
        "mentions",
        "confidentialite",
        "accessibilite",
    }
    assert TermsVersion.objects.get().version == TERMS_VERSION
    # Wagtail's placeholder page is gone.
    assert not Page.objects.filter(depth=2).exclude(pk=site.pk).exists()


def test_site_setup_is_idempotent_and_keeps_edits(site):
    privacy = LegalPage.objects.get(kind="confidentialite")
    privacy.title = "Vie privée"
    privacy.save_revision().publish()
    site_setup()
    assert HomePage.objects.count() == 1
    assert LegalPage.objects.count() == 3
    assert LegalPage.objects.get(kind="confidentialite").title == "Vie privée"


def test_home_page_chrome(client, site, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get("/")
    text = page_text(response)
    assert response.status_code == 200
    assert '<html lang="fr">' in text
    assert 'href="#contenu"' in text
    assert "Créer mon compte" in text
    for title in ("Mentions légales", "Accessibilité", "Confidentialité"):
        assert title in text


def test_legal_pages_render(client, site):
    for page in LegalPage.objects.all():
        response = client.get(page.url)
        assert response.status_code == 200
        assert page.title in page_text(response)
    privacy = client.get(LegalPage.objects.get(kind="confidentialite").url)
    assert "numéro de sécurité sociale" in page_text(privacy)


def test_cms_admin_is_for_editors_only(client, site):
    response = client.get("/cms/")
    assert response.status_code == 302
    client.force_login(UserFactory())
    assert client.get("/cms/").status_code == 403
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get("/cms/").status_code == 200


def test_static_files_are_served(client, site):
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert ":focus-visible" in b"".join(response.streaming_content).decode()


# The privacy notice as the first version of the site shipped it (untrue since:
# see curriculum/content/confidentialite.html).
OLD_PRIVACY_NOTICE = (
    (Path(__file__).parent / "confidentialite-1.0.html").read_text().rstrip("\n")
)


def _privacy_page() -> LegalPage:
    return LegalPage.objects.get(kind="confidentialite")


def _publish(body: str) -> None:
    page = _privacy_page()
    page.body = body
    page.save_revision().publish()


def test_setup_site_brings_an_unedited_privacy_notice_up_to_date(site, client):
    _publish(OLD_PRIVACY_NOTICE)
    out = StringIO()
    call_command("setup_site", stdout=out)
    assert "Page « Confidentialité et données personnelles » mise à jour" in (
        out.getvalue()
    )
    page = _privacy_page()
    assert page.body == legal_page_body("confidentialite")
    # The old text stays in the history, for editors to compare or revert.
    previous = page.revisions.order_by("-created_at", "-pk")[1]
    assert previous.content["body"] == OLD_PRIVACY_NOTICE
    text = page_text(client.get(page.url))
    assert "chaque consultation est enregistrée" not in text
    assert "Mes données" in text
    # Terms that say the same come with it: the onboarding now offers them.
    assert TermsVersion.objects.filter(version=TERMS_VERSION).exists()
    call_command("setup_site", stdout=StringIO())
    assert _privacy_page().revisions.count() == 2  # nothing more to do


def test_setup_site_leaves_an_edited_notice_to_its_editors_unless_told(site):
    _publish("<p>Notre texte à nous.</p>")
    out = StringIO()
    call_command("setup_site", stdout=out)
    assert "modifiée dans le CMS" in out.getvalue()
    assert "--update-legal" in out.getvalue()
    assert _privacy_page().body == "<p>Notre texte à nous.</p>"
    call_command("setup_site", "--update-legal", stdout=StringIO())
    assert _privacy_page().body == legal_page_body("confidentialite")


def test_the_privacy_notice_says_what_is_kept_and_for_how_long():
    notice = legal_page_body("confidentialite")
    assert "chaque consultation est enregistrée" not in notice
    for kept in (
        "date de naissance",
        "commune",
        "tes réponses",
        "Complémentaire santé solidaire",
        "prime d'activité",
        "France Travail",
        "Le journal",
        "cookies techniques",
        "Chaque ouverture d'une fiche est notée dans le journal",
        "« Mes données »",
    ):
        assert kept in notice, kept
    # The periods it states are the ones the purge applies.
    assert settings.INACTIVE_ACCOUNT_DELETE_AFTER_DAYS == 730
    assert "pendant deux ans" in notice
    assert settings.INACTIVE_ACCOUNT_NOTICE_DAYS == 30
    assert "Trente jours avant" in notice
    assert "deux ans" in terms_summary() and "trente jours" in terms_summary()


# Where the privacy notice speaks of each part of "Mes données" (the export's
# sections): a new section fails the test below until the notice tells of it.
NOTICE_OF_SECTION = {
    "compte": "<strong>Ton compte</strong>",
    "adresses_email": "ton adresse e-mail (et si tu l'as confirmée)",
    "profil": "<strong>Ton profil</strong>",
    "conditions_acceptées": "la version des conditions d'utilisation",
    "rôles": "tes rôles, tes lieux d'accueil",
    "invitations_reçues": "les invitations à un rôle",
    "quiz": "<strong>Tes quiz</strong>",
    "compétences_acquises": "les compétences que tu as acquises",
    "validations_en_personne": "<strong>Tes validations en personne</strong>",
    "attestations": "<strong>Ton attestation</strong>",
    "réglages_des_rappels": "tes réglages de rappels",
    "dates_indiquées": "les dates que tu choisis d'indiquer",
    "échéances": "tes échéances",
    "rappels_par_email": "<strong>Tes rappels par e-mail</strong>",
    "journal": "<strong>Le journal</strong>",
}


def test_the_privacy_notice_tells_of_every_part_of_my_data():
    notice = legal_page_body("confidentialite")
    assert set(NOTICE_OF_SECTION) == {s.key for s in personal_data.sections()}
    for key, words in NOTICE_OF_SECTION.items():
        assert words in notice, key
    # What others see: the informer (with the passport), the territory's
    # coordination, whoever checks a certificate; what a deletion leaves.
    for told in (
        "famille dépend de la MSA",
        "quand tu lui montres ton code de passeport, et pendant deux heures au plus",
        "La coordination de ton territoire voit le prénom",
        "code ou le QR code de ton attestation",
        "registre d'accueil",
        "reste vérifiable par son code, sans ton prénom ni ton adresse",
    ):
        assert told in notice, told
