import re
from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import LearnerProfile, TermsAcceptance, User
from core.models import JournalEntry
from curriculum.content import TERMS_VERSION
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

PASSWORD = "Un-mot-de-passe-solide-2026"


def _link_in(message) -> str:
    return re.search(r"https?://[^/\s]+(/compte/confirm-email/[^\s]+/)", message.body)[
        1
    ]


def _onboarding_data(**overrides):
    data = {
        "first_name": "Lina",
        "birth_date": "2009-03-14",
        "commune_query": "Nogent-le-Rotrou",
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def test_signup_verification_onboarding_and_home(client, site, perche):
    response = client.post(
        reverse("account_signup"),
        {"email": "Lina@Exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["lina@exemple.fr"]
    assert message.subject == "[Majorité prête] Confirme ton adresse e-mail"
    assert "À bientôt sur Majorité prête" in message.body

    link = _link_in(message)
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:onboarding")

    response = client.get(reverse("accounts:onboarding"))
    assert "Compléter mon profil" in page_text(response)
    response = client.post(reverse("accounts:onboarding"), _onboarding_data())
    assert response.status_code == 302
    assert response["Location"] == "/"

    user = User.objects.get(email="lina@exemple.fr")
    assert user.first_name == "Lina"
    assert user.learner_profile.commune.insee_code == "28280"
    assert user.learner_profile.birth_date == date(2009, 3, 14)
    acceptance = TermsAcceptance.objects.get(user=user)
    assert acceptance.terms.version == TERMS_VERSION
    assert JournalEntry.objects.filter(
        action="accounts.learner_onboarded", actor=user
    ).exists()

    home = client.get("/")
    assert "Bonjour Lina" in page_text(home)
    assert "Compléter mon profil" not in page_text(home)


def test_unverified_email_cannot_log_in(client, site):
    client.post(
        reverse("account_signup"),
        {"email": "nouveau@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "nouveau@exemple.fr", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session


def test_login_by_code(client, site):
    user = UserFactory(email="code@exemple.fr")
    response = client.post(
        reverse("account_request_login_code"), {"email": "code@exemple.fr"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Majorité prête] Ton code de connexion"
    body = mail.outbox[0].body
    assert "Ne le donne à personne" in body
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", body, re.M)[1]

    wrong = client.post(reverse("account_confirm_login_code"), {"code": "ZZZZZZ"})
    assert wrong.status_code == 200
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:onboarding")
    assert client.session["_auth_user_id"] == str(user.pk)


def test_password_reset_sends_a_french_mail(client, site):
    UserFactory(email="oubli@exemple.fr")
    response = client.post(
        reverse("account_reset_password"), {"email": "oubli@exemple.fr"}
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "[Majorité prête] Choisis un nouveau mot de passe"
    assert "mot de passe" in mail.outbox[0].body.lower()


def test_signing_up_again_with_a_known_address_says_so_kindly(client, site):
    UserFactory(email="deja@exemple.fr")
    client.post(
        reverse("account_signup"),
        {"email": "deja@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Majorité prête] Tu as déjà un compte"
    assert "un compte existe déjà à cette adresse" in message.body
    assert "/compte/password/reset/" in message.body


def test_a_login_code_for_an_unknown_address_invites_to_sign_up(client, site):
    client.post(reverse("account_request_login_code"), {"email": "inconnu@exemple.fr"})
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "[Majorité prête] Aucun compte à cette adresse"
    assert "/compte/signup/" in message.body


@pytest.fixture
def newcomer(client, site, perche):
    user = UserFactory()
    client.force_login(user)
    return user


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"birth_date": "2012-01-01"}, "birth_date", "à partir de 15 ans"),
        ({"birth_date": "1986-01-01"}, "birth_date", "vérifie ta date de naissance"),
        ({"birth_date": "2030-01-01"}, "birth_date", "dans le futur"),
        ({"birth_date": "31/02/2009"}, "birth_date", "sous la forme jj/mm/aaaa"),
        ({"commune_query": "Paris"}, "commune_query", "Nous ne trouvons pas"),
        ({"commune_query": ""}, "commune_query", "Indique ta commune"),
        ({"accept_terms": ""}, "accept_terms", "accepter les conditions"),
        ({"first_name": "   "}, "first_name", "Indique ton prénom"),
    ],
)
def test_bad_onboarding_input_is_refused_in_french(
    client, newcomer, overrides, field, message
):
    response = client.post(
        reverse("accounts:onboarding"), _onboarding_data(**overrides)
    )
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get(field, []))
    assert message in errors
    assert message in page_text(response)
    assert not LearnerProfile.objects.exists()
    assert not TermsAcceptance.objects.exists()
    newcomer.refresh_from_db()
    assert newcomer.first_name == "Camille"


def test_age_limits_are_inclusive(client, newcomer):
    # 25 years old today is accepted (the range is 15 to 25 inclusive).
    today = date.today()
    birth = date(today.year - 25, today.month, 1)
    response = client.post(
        reverse("accounts:onboarding"), _onboarding_data(birth_date=birth.isoformat())
    )
    assert response.status_code == 302
    assert LearnerProfile.objects.filter(user=newcomer).exists()


def test_commune_found_by_name_without_accents(client, newcomer):
    response = client.post(
        reverse("accounts:onboarding"), _onboarding_data(commune_query="remalard")
    )
    assert response.status_code == 302
    assert newcomer.learner_profile.commune.name == "Rémalard en Perche"


def test_ambiguous_postcode_asks_to_choose(client, newcomer):
    response = client.post(
        reverse("accounts:onboarding"), _onboarding_data(commune_query="28330")
    )
    assert response.status_code == 200
    assert "Plusieurs communes correspondent" in page_text(response)
    choices = response.context["form"].commune_matches
    assert len(choices) > 1
    chosen = choices[1]
    response = client.post(
        reverse("accounts:onboarding"),
        _onboarding_data(commune_query="28330", commune=chosen.insee_code),
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.learner_profile.commune == chosen


def test_commune_suggestions(client, site, perche):
    response = client.get(reverse("accounts:commune-suggestions"), {"q": "nogent"})
    assert 'value="Nogent-le-Rotrou (28400)"' in page_text(response)


def test_onboarding_needs_login(client, site):
    response = client.get(reverse("accounts:onboarding"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
