"""The onboarding form sends back every error at once and keeps every valid value,
the commune picked among several included."""

import re

import pytest
from django.urls import reverse

from accounts.models import LearnerProfile
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def newcomer(client, site, perche):
    user = UserFactory()
    client.force_login(user)
    return user


def _summary(response) -> str:
    return re.search(r'(?s)<div class="error-summary".*?</div>', page_text(response))[0]


def _onboard(client, **fields):
    """Sends the onboarding form: Lina, born 14 March 2009, plus `fields`."""
    return client.post(
        reverse("accounts:onboarding"),
        {"first_name": "Lina", "birth_date": "2009-03-14", **fields},
    )


def _second_of_several_communes(client):
    """« 28330 » is the postcode of several communes: the second one offered."""
    return _onboard(client, commune_query="28330").context["form"].commune_matches[1]


def test_every_error_comes_at_once_in_the_summary_and_beside_each_field(
    client, newcomer
):
    response = client.post(
        reverse("accounts:onboarding"),
        {"first_name": "  ", "birth_date": "2014-05-02", "commune_query": "Paris"},
    )
    assert response.status_code == 200
    summary = _summary(response)
    assert "Il y a 4 points à corriger" in summary
    for anchor, message in [
        ("id_first_name", "Indique ton prénom."),
        ("id_birth_date", "tu pourras créer ton profil à partir de 15 ans"),
        ("id_commune_query", "Nous ne trouvons pas de commune « Paris »"),
        ("id_accept_terms", "tu dois accepter les conditions d'utilisation"),
    ]:
        assert f'href="#{anchor}"' in summary
        assert message in summary
        beside = re.search(
            rf'(?s)<div class="errors" id="{anchor}_error">(.*?)</div>',
            page_text(response),
        )
        assert message in beside[1]
    assert not LearnerProfile.objects.exists()


def test_the_terms_error_sits_above_the_checkbox_not_beside_it(client, newcomer):
    text = page_text(_onboard(client, commune_query="28400"))
    error = text.index('id="id_accept_terms_error"')
    row = text.index('<div class="field-checkbox">')
    assert error < row < text.index('id="id_accept_terms"')


def test_a_commune_picked_among_several_survives_another_error(client, newcomer):
    chosen = _second_of_several_communes(client)

    # Picked, but the terms are not accepted and the birth date is mistyped.
    response = _onboard(
        client,
        birth_date="31/02/2009",
        commune_query="28330",
        commune=chosen.insee_code,
    )
    text = page_text(response)
    assert "Plusieurs communes correspondent" not in text
    assert f"Commune choisie : {chosen.name}" in text
    assert f'name="commune" value="{chosen.insee_code}"' in text
    assert 'value="Lina"' in text
    assert 'value="28330"' in text

    # Fixing only the other fields is enough: the commune is still the one picked.
    response = _onboard(
        client, commune_query="28330", commune=chosen.insee_code, accept_terms="on"
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.learner_profile.commune == chosen


def test_another_commune_typed_after_a_pick_wins(client, newcomer):
    chosen = _second_of_several_communes(client)
    response = _onboard(
        client,
        commune_query="Nogent-le-Rotrou",
        commune=chosen.insee_code,
        accept_terms="on",
    )
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.learner_profile.commune.name == "Nogent-le-Rotrou"
