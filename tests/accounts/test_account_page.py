"""« Mon compte » (/compte/): a learner's profile, and for everyone the e-mail
address, the password and « Mes données »."""

import pytest
from django.urls import reverse

from accounts.models import Role
from core.models import JournalEntry
from tests.factories import (
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
    content_editor,
)
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

URL = reverse("accounts:account")


def _links(text: str) -> dict[str, bool]:
    """The links of the page itself (the header is another matter)."""
    text = text[text.index("<main") : text.index("</main>")]
    return {
        name: f'href="{reverse(name)}"' in text
        for name in (
            "account_email",
            "account_change_password",
            "accounts:my-data",
            "accounts:onboarding",
        )
    }


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_learner_edits_her_profile_and_reaches_the_rest(client):
    learner = LearnerProfileFactory(user__first_name="Inès").user
    client.force_login(learner)
    with_queries = client.get(URL)
    text = page_text(with_queries)
    assert 'value="Inès"' in text and 'name="birth_date"' in text
    assert learner.email in text
    assert _links(text) == {
        "account_email": True,
        "account_change_password": True,
        "accounts:my-data": True,
        "accounts:onboarding": False,
    }


@pytest.mark.parametrize(
    "kind", ["team", "editor", "coordinator", "informer", "school_staff"]
)
def test_staff_see_only_the_e_mail_and_password_parts(client, kind):
    if kind == "team":
        user = UserFactory(is_staff=True)
    elif kind == "editor":
        user = content_editor()
    else:
        user = RoleMembershipFactory(role=getattr(Role, kind.upper())).user
    client.force_login(user)
    text = page_text(client.get(URL))
    assert 'name="first_name"' not in text
    assert "Ton profil" not in text
    assert _links(text) == {
        "account_email": True,
        "account_change_password": True,
        "accounts:my-data": True,
        "accounts:onboarding": False,
    }


def test_an_account_without_profile_is_offered_to_complete_it(client):
    client.force_login(UserFactory())
    text = page_text(client.get(URL))
    assert 'name="first_name"' not in text
    assert _links(text)["accounts:onboarding"]


def test_every_error_at_once_and_nothing_written(client):
    learner = LearnerProfileFactory(user__first_name="Inès").user
    client.force_login(learner)
    response = client.post(
        URL,
        {"first_name": " ", "birth_date": "2016-04-01", "commune_query": "Nulle-Part"},
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Il y a 3 points à corriger" in text
    assert "Indique ton prénom." in text
    assert "tu pourras créer ton profil à partir de 15 ans" in text
    assert "Nous ne trouvons pas de commune « Nulle-Part »" in text
    assert 'value="2016-04-01"' in text
    learner.refresh_from_db()
    assert learner.first_name == "Inès"
    assert not JournalEntry.objects.filter(
        action="accounts.learner_profile_updated"
    ).exists()


def test_the_page_costs_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    client.force_login(LearnerProfileFactory().user)
    with django_assert_max_num_queries(8):
        assert client.get(URL).status_code == 200
