"""allauth's rate limits sized for a class: 35 pupils behind one school address sign
up, sign in with typos, ask for codes and new passwords, and all get through; one
account hammered with wrong passwords is still locked."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

CLASS_SIZE = 35
PASSWORD = "Mot-de-passe-solide-42"  # the factories' password
NEW_PASSWORD = "Un-mot-de-passe-solide-2026"
LOCKED = "Trop d'essais en peu de temps"


def login(client, email, password):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_class_signs_in_from_one_address_despite_typos(site):
    pupils = UserFactory.create_batch(CLASS_SIZE)
    for pupil in pupils:
        browser = Client()  # each pupil's own, all from 127.0.0.1
        wrong = login(browser, pupil.email, "mot-de-passe-solide-42")
        assert wrong.status_code == 200
        assert not signed_in(browser)
        response = login(browser, pupil.email, PASSWORD)
        assert response.status_code == 302, page_text(response)
        assert signed_in(browser)


def test_one_account_hammered_is_locked_while_the_class_signs_in(site):
    target, *pupils = UserFactory.create_batch(4)
    attacker = Client()
    for attempt in range(5):
        response = login(attacker, target.email, f"devine-{attempt}")
        assert LOCKED not in page_text(response)
    # The sixth try is refused, even with the right password.
    response = login(attacker, target.email, PASSWORD)
    assert response.status_code == 200
    assert LOCKED in page_text(response)
    assert "Attends quelques minutes, puis réessaie." in page_text(response)
    assert not signed_in(attacker)
    for pupil in pupils:
        browser = Client()
        login(browser, pupil.email, "une-faute-de-frappe")
        assert login(browser, pupil.email, PASSWORD).status_code == 302
        assert signed_in(browser)


def test_a_class_signs_up_from_one_address_despite_mistakes(site):
    for number in range(CLASS_SIZE):
        browser = Client()
        email = f"eleve{number}@exemple.fr"
        mistake = browser.post(
            reverse("account_signup"),
            {"email": email, "password1": NEW_PASSWORD, "password2": "autre-chose"},
        )
        assert mistake.status_code == 200
        response = browser.post(
            reverse("account_signup"),
            {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )
        assert response.status_code == 302, page_text(response)
        assert response["Location"] == reverse("account_email_verification_sent")


@pytest.mark.parametrize(
    "url", ["account_request_login_code", "account_reset_password"]
)
def test_a_class_asks_for_codes_or_new_passwords_from_one_address(site, url):
    pupils = UserFactory.create_batch(CLASS_SIZE)
    for pupil in pupils:
        response = Client().post(reverse(url), {"email": pupil.email})
        assert response.status_code == 302, page_text(response)


@pytest.fixture
def tight_login_limit(settings):
    """Three login forms a minute per address, to see whose address is counted."""
    limits = getattr(settings, "ACCOUNT_RATE_LIMITS", {})
    settings.ACCOUNT_RATE_LIMITS = {**limits, "login": "3/m/ip"}


def exhaust_then_try_another(*, first: str, second: str) -> int:
    """Status of `second`'s login once `first` has used up its address's limit."""
    one, other = Client(HTTP_X_FORWARDED_FOR=first), Client(HTTP_X_FORWARDED_FOR=second)
    for _ in range(3):
        assert login(one, "personne@exemple.fr", "x").status_code == 200
    assert login(one, "personne@exemple.fr", "x").status_code == 429
    return login(other, "personne@exemple.fr", "x").status_code


def test_behind_a_proxy_each_client_is_counted_apart(settings, site, tight_login_limit):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    assert exhaust_then_try_another(first="203.0.113.7", second="198.51.100.9") == 200


def test_without_a_trusted_proxy_the_header_is_ignored(site, tight_login_limit):
    # Anyone can write X-Forwarded-For: it must not buy a fresh limit.
    assert exhaust_then_try_another(first="203.0.113.7", second="198.51.100.9") == 429


def test_the_too_many_requests_page_is_kind_and_french(site, tight_login_limit):
    browser = Client()
    for _ in range(3):
        login(browser, "personne@exemple.fr", "x")
    response = login(browser, "personne@exemple.fr", "x")
    assert response.status_code == 429
    text = page_text(response)
    assert "Trop d'essais d'un coup" in text
    assert "Attends quelques minutes, puis réessaie." in text
    assert "ton compte n'est pas bloqué" in text
    assert "Trouver de l'aide" in text  # the site's header
    assert "Une erreur n'est presque jamais définitive." in text  # and footer
