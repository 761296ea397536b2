"""The pages of in-person validation: Mon passeport, the informer's code field
and learner page, withdrawal, and Mon parcours afterwards."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Role
from assessments import services
from assessments.errors import PASSPORT_REFUSED
from assessments.models import InPersonValidation, Passport, ValidationWithdrawal
from curriculum.models import Competency
from tests.factories import RoleMembershipFactory
from tests.helpers import page_text

from .informers import help_place, informer_at, opened_record

pytestmark = pytest.mark.django_db

CODE_SHOWN = re.compile(r'<p class="passport-code"[^>]*>([A-Z0-9]{4} [A-Z0-9]{4})</p>')


@pytest.fixture
def place_a():
    return help_place("PIJ du Perche")


@pytest.fixture
def informer(place_a):
    return informer_at(place_a).user


@pytest.fixture
def ameli(demo_curriculum):
    return Competency.objects.get(code="AMELI-01")


def test_mon_passeport_shows_a_code_and_its_qr_after_asking(client, learner):
    client.force_login(learner)
    page = page_text(client.get(reverse("assessments:passport")))
    assert "Tu n'as pas de code en cours" in page
    assert "ni ton adresse e-mail" in page  # what the informer never sees
    response = client.post(reverse("assessments:passport"))
    assert response.status_code == 302
    page = page_text(client.get(reverse("assessments:passport")))
    code = CODE_SHOWN.search(page).group(1)
    assert "<svg" in page
    assert f"/espace/passeport/{code.replace(' ', '')}/" not in page  # only in the QR
    assert Passport.objects.get().learner == learner
    # Spent by an informer: the page stops showing it.
    place = help_place("PIJ")
    services.passport_redeem(informer=informer_at(place).user, code=code, place=place)
    assert "Tu n'as pas de code en cours" in page_text(
        client.get(reverse("assessments:passport"))
    )


def test_mon_parcours_links_the_passport(client, learner, demo_curriculum):
    client.force_login(learner)
    assert 'href="/parcours/passeport/"' in page_text(client.get("/parcours/"))


def test_the_qr_link_fills_the_code_and_spends_nothing(client, learner, informer):
    _, code = services.passport_issue(learner=learner)
    client.force_login(informer)
    response = client.get(reverse("assessments:passport-open", args=[code]))
    assert response.status_code == 200
    assert f'value="{code}"' in page_text(response)
    assert Passport.objects.get().redeemed_at is None


def test_the_informer_types_the_code_sees_the_learner_and_validates(
    client, learner, informer, place_a, ameli, django_assert_max_num_queries
):
    _, code = services.passport_issue(learner=learner)
    client.force_login(informer)
    response = client.post(
        reverse("assessments:passport-redeem"),
        {"code": services.passport_code_display(code), "place": place_a.pk},
    )
    opened = Passport.objects.get()
    assert response.url == reverse("assessments:learner-record", args=[opened.pk])
    with django_assert_max_num_queries(20):
        page = page_text(client.get(response.url))
    assert "Camille, 17 ans" in page
    assert learner.learner_profile.commune.name in page
    assert learner.email not in page
    assert "À côté, pas à la place" in page
    assert ameli.what_to_observe[:40] in page
    response = client.post(
        reverse("assessments:validation-create", args=[opened.pk]),
        {"competency": ameli.pk, "note": "Connexion seule, attestation trouvée."},
    )
    assert response.status_code == 302
    page = page_text(client.get(response.url))
    assert "C'est validé" in page
    assert "Validée" in page


def test_a_refused_validation_says_why_and_writes_nothing(
    client, learner, informer, place_a, ameli
):
    opened = opened_record(learner=learner, informer=informer, place=place_a)
    client.force_login(informer)
    url = reverse("assessments:validation-create", args=[opened.pk])
    caf = Competency.objects.get(code="CAF-01")
    for data, message in [
        ({"competency": ameli.pk, "note": ""}, "Écrivez une courte note"),
        ({"competency": caf.pk, "note": "Vu."}, "ne se valide pas en personne"),
        ({"competency": "abc", "note": "Vu."}, "Choisissez la compétence"),
        ({"note": "Vu."}, "Choisissez la compétence"),
        ({"competency": 10**30, "note": "Vu."}, "ne se valide pas en personne"),
    ]:
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert message in page_text(response), data
    assert not InPersonValidation.objects.exists()


def test_wrong_codes_say_the_same_and_are_rate_limited(
    client, settings, learner, informer, place_a
):
    settings.PASSPORT_REDEEM_RATE_LIMITS = "3/10m/user,5/10m/ip"
    _, good = services.passport_issue(learner=learner)
    client.force_login(informer)
    url = reverse("assessments:passport-redeem")
    for guess in ("ACDE FGHJ", "ACDE FGHK", "0000 0000"):
        response = client.post(url, {"code": guess, "place": place_a.pk})
        assert response.status_code == 400
        assert PASSPORT_REFUSED in page_text(response)
    # The informer's limit: even the right code waits.
    assert client.post(url, {"code": good, "place": place_a.pk}).status_code == 429
    assert Passport.objects.get().redeemed_at is None
    # The address's limit: two more wrong codes from a colleague behind it.
    colleague = informer_at(place_a, first_name="Léa").user
    client.force_login(colleague)
    for guess in ("ACDE FGHM", "ACDE FGHN"):
        assert client.post(url, {"code": guess, "place": place_a.pk}).status_code == 400
    assert client.post(url, {"code": good, "place": place_a.pk}).status_code == 429


def test_an_informer_without_a_place_is_told_to_ask_their_coordinator(client):
    membership = RoleMembershipFactory(role=Role.INFORMER)
    client.force_login(membership.user)
    for url in ("/espace/", "/espace/passeport/", "/espace/registre/nouveau/"):
        assert "Vous n'avez pas encore de lieu d'accueil" in page_text(client.get(url))


def test_the_staff_home_shows_the_informers_day(
    client, learner, informer, place_a, ameli
):
    opened = opened_record(learner=learner, informer=informer, place=place_a)
    services.validation_record(
        informer=informer, passport_id=opened.pk, competency_id=ameli.pk, note="Vu."
    )
    client.force_login(informer)
    page = page_text(client.get("/espace/"))
    assert "Ouvrir le dossier" in page
    assert "Aujourd'hui : 1 passage noté, 1 validation." in page
    assert "AMELI-01 — Camille" in page
    assert reverse("assessments:register-summary", args=[place_a.pk]) in page


def test_withdrawing_from_the_page_needs_a_reason(
    client, learner, informer, place_a, ameli
):
    opened = opened_record(learner=learner, informer=informer, place=place_a)
    validation = services.validation_record(
        informer=informer, passport_id=opened.pk, competency_id=ameli.pk, note="Vu."
    )
    client.force_login(informer)
    url = reverse("assessments:validation-withdraw", args=[validation.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400
    assert "Écrivez la raison du retrait" in page_text(response)
    assert not ValidationWithdrawal.objects.exists()
    assert client.post(url, {"reason": "Pas le bon dossier."}).status_code == 302
    assert ValidationWithdrawal.objects.get().reason == "Pas le bon dossier."
    # Somebody else's validation: not found.
    other = informer_at(help_place("Ailleurs"), first_name="Nadia").user
    client.force_login(other)
    assert client.get(url).status_code == 404


def test_mon_parcours_says_who_validated_and_who_opened_the_record(
    client, learner, informer, place_a, ameli, django_assert_max_num_queries
):
    opened = opened_record(learner=learner, informer=informer, place=place_a)
    services.validation_record(
        informer=informer, passport_id=opened.pk, competency_id=ameli.pk, note="Vu."
    )
    client.force_login(learner)
    with django_assert_max_num_queries(30):
        page = page_text(client.get("/parcours/"))
    assert f"{ameli.label} : validée en personne par Karim, à PIJ du Perche" in page
    assert "Karim, à PIJ du Perche, le" in page  # opened the record


def test_an_expired_access_is_not_found(client, learner, informer, place_a, now):
    opened = opened_record(
        learner=learner, informer=informer, place=place_a, now=now - timedelta(hours=2)
    )
    client.force_login(informer)
    response = client.get(reverse("assessments:learner-record", args=[opened.pk]))
    assert response.status_code == 404


def test_coordinators_find_their_territorys_validations_to_withdraw(
    client, learner, informer, place_a, ameli
):
    opened = opened_record(learner=learner, informer=informer, place=place_a)
    validation = services.validation_record(
        informer=informer, passport_id=opened.pk, competency_id=ameli.pk, note="Vu."
    )
    url = reverse("assessments:validation-withdraw", args=[validation.pk])
    coordinator = RoleMembershipFactory(role=Role.COORDINATOR, epci=place_a.epci).user
    client.force_login(coordinator)
    assert url in page_text(client.get("/espace/"))
    assert client.post(url, {"reason": "Doublon de dossier."}).status_code == 302
    assert ValidationWithdrawal.objects.get().withdrawn_by == coordinator
    client.force_login(RoleMembershipFactory(role=Role.COORDINATOR).user)
    assert url not in page_text(client.get("/espace/"))
