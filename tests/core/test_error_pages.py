"""Error pages in French in the site's layout (DEBUG off, as in production), JSON
under /api/, and the CMS's one refusal for signed-in accounts without access.
The 429 page is tested with the rate limits (tests/accounts/test_rate_limits.py)."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory

from accounts.models import Role
from core.views import permission_denied, server_error
from tests.factories import (
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
    content_editor,
)
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

TOO_MANY = "&".join(f"p{number}=1" for number in range(1001))
LAYOUT = (
    '<html lang="fr">',
    'href="#contenu"',  # the skip link of the site's header
    "Une erreur n'est presque jamais définitive.",  # its footer
)


@pytest.fixture(autouse=True)
def _production(settings):
    settings.DEBUG = False


def assert_site_page(response, status: int, *sentences: str) -> str:
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/html")
    text = page_text(response)
    for part in (*LAYOUT, *sentences):
        assert part in text, part
    for english in ("Not Found", "Forbidden", "Bad Request", "Server Error"):
        assert english not in text
    return text


def assert_api_error(response, status: int, message: str, name: str) -> list[str]:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    body = json.loads(response.content)
    assert body["message"] == message
    assert set(body["erreurs"]) == {name}
    return body["erreurs"][name]


def test_404_page(client, site):
    text = assert_site_page(client.get("/cette-page/nexiste-pas/"), 404)
    assert "<h1>Page introuvable</h1>" in text
    assert 'href="/aide/"' in text


def test_404_under_the_api_is_json(client, site):
    reasons = assert_api_error(client.get("/api/v2/"), 404, "Introuvable.", "adresse")
    assert "/api/v1/openapi.json" in reasons[0]


def test_400_page_for_too_many_parameters(client, site):
    text = assert_site_page(
        client.get(f"/aide/?{TOO_MANY}"),
        400,
        "Le site n'a pas compris cette demande",
        "Trop de paramètres : une requête en compte au plus 1000.",
    )
    assert "Revenir à mon accueil" in text


def test_400_under_the_api_is_json(client, site):
    response = client.get(f"/api/v1/lieux/?{TOO_MANY}")
    reasons = assert_api_error(response, 400, "Requête refusée.", "requete")
    assert reasons == ["Trop de paramètres : une requête en compte au plus 1000."]


def test_403_page_says_where_to_go_instead(client, site):
    informer = RoleMembershipFactory(role=Role.INFORMER).user
    client.force_login(informer)
    text = assert_site_page(
        client.get("/espace/roles/"),
        403,
        "<h1>Accès refusé</h1>",
        "Cette page n'est pas ouverte à ton compte.",
    )
    assert '<a class="button" href="/espace/">Aller à mon accueil</a>' in text


def test_403_under_the_api_is_json(site):
    request = RequestFactory().get("/api/v1/lieux/")
    response = permission_denied(request, PermissionDenied())
    assert assert_api_error(response, 403, "Accès refusé.", "acces")


def test_a_form_sent_without_its_security_token_gets_a_french_page(site):
    """A page left open across a login or for too long: CSRF refusal, nothing
    written, in the site's words."""
    learner = LearnerProfileFactory(user__first_name="Léa").user
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    response = browser.post(
        "/compte/",
        {
            "first_name": "Zoé",
            "birth_date": "2009-05-01",
            "commune_query": str(learner.learner_profile.commune),
        },
    )
    text = assert_site_page(
        response,
        403,
        "<h1>La page a expiré</h1>",
        "rien n'a été enregistré",
        "recharge-la",
        '<a class="button" href="/parcours/">Revenir à mon accueil</a>',
    )
    assert "CSRF" not in text
    learner.refresh_from_db()
    assert learner.first_name == "Léa"


def test_the_same_form_with_its_token_goes_through(site):
    """The refusal above is the token's doing, not the form's."""
    learner = LearnerProfileFactory(user__first_name="Léa").user
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner)
    page = browser.get("/compte/")
    response = browser.post(
        "/compte/",
        {
            "csrfmiddlewaretoken": page.context["csrf_token"],
            "first_name": "Zoé",
            "birth_date": "2009-05-01",
            "commune_query": str(learner.learner_profile.commune),
        },
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.first_name == "Zoé"


def _break_the_search(monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr("directory.selectors.help_place_search", broken)


def test_500_page(client, site, perche, monkeypatch):
    _break_the_search(monkeypatch)
    client.raise_request_exception = False
    text = assert_site_page(
        client.get("/aide/?q=Nogent-le-Rotrou"),
        500,
        "<h1>Le site a un souci</h1>",
        "ce n'est pas de ta faute",
    )
    assert "panne simulée" not in text


def test_500_under_the_api_is_json(client, site, perche, monkeypatch):
    _break_the_search(monkeypatch)
    client.raise_request_exception = False
    response = client.get("/api/v1/lieux/?commune=Nogent-le-Rotrou")
    assert assert_api_error(response, 500, "Erreur du serveur.", "serveur")


def test_the_500_page_needs_no_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/parcours/"))
    assert response.status_code == 500
    assert "Le site a un souci" in page_text(response)


# The CMS, for signed-in accounts that have no access to it.


def _no_cms_access():
    return {
        "informer": RoleMembershipFactory(role=Role.INFORMER).user,
        "school_staff": RoleMembershipFactory(role=Role.SCHOOL_STAFF).user,
        "learner": LearnerProfileFactory().user,
        "newcomer": UserFactory(),
    }


HOMES = {
    "informer": "/espace/",
    "school_staff": "/espace/",
    "learner": "/parcours/",
    "newcomer": "/",
}


@pytest.mark.parametrize("who", list(HOMES))
@pytest.mark.parametrize("url", ["/cms/", "/cms/pages/", "/cms/snippets/"])
def test_the_cms_refuses_once_in_french(client, site, who, url):
    client.force_login(_no_cms_access()[who])
    response = client.get(url)
    text = assert_site_page(
        response,
        403,
        "<h1>Accès refusé</h1>",
        "L'administration du site est réservée à l'équipe qui rédige les contenus",
    )
    assert f'href="{HOMES[who]}">Aller à mon accueil' in text
    # The way it used to loop: through the login page and back, one message more
    # each round. Now the login page sends back once, and the refusal stands.
    response = client.get(f"/compte/login/?next={url}", follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert response.status_code == 403
    assert "autorisation" not in page_text(response)


def test_the_cms_refuses_only_those_without_access(client, site):
    client.force_login(LearnerProfileFactory().user)
    assert client.get("/cms/").status_code == 403
    for user in (content_editor(), RoleMembershipFactory(role=Role.COORDINATOR).user):
        client.force_login(user)
        assert client.get("/cms/").status_code == 200
    client.logout()
    assert client.get("/cms/").url == "/compte/login/?next=/cms/"
