"""Staff are not learners: each role signs in to its own home (/espace/), its header
shows its tools, and nothing asks it for a learner's profile."""

import pytest
from django.urls import reverse

from accounts.models import LearnerProfile, Role
from curriculum.models import ModulePage
from tests.assessments.conftest import MODULE_SLUG
from tests.factories import (
    EPCIFactory,
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
    content_editor,
)
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

PASSWORD = "Mot-de-passe-solide-42"  # the factories'
ROLES_PAGE = 'href="/espace/roles/"'
HELP_PLACES_ADMIN = 'href="/cms/snippets/directory/helpplace/"'
CMS = 'href="/cms/"'
STAFF_HOME = 'href="/espace/"'
LEARNER_PAGES = ('href="/parcours/"', 'href="/planning/"')
ONBOARDING_NUDGES = ("Il te reste une étape", "Compléter mon profil", "/bienvenue/")


@pytest.fixture
def epci():
    return EPCIFactory(name="Communauté de communes du Perche")


@pytest.fixture
def staff(epci):
    """One account per staff role, as a person would have them."""

    def role(kind):
        return RoleMembershipFactory(
            role=kind, epci=epci, user__email=f"{kind}@exemple.fr"
        ).user

    return {
        "informer": role(Role.INFORMER),
        "school_staff": role(Role.SCHOOL_STAFF),
        "coordinator": role(Role.COORDINATOR),
        "editor": content_editor(email="editeur@exemple.fr"),
        "superuser": UserFactory(
            email="admin@exemple.fr", is_staff=True, is_superuser=True
        ),
    }


# What each one's header links to, and must not.
HEADER = {
    "informer": ([STAFF_HOME], [ROLES_PAGE, HELP_PLACES_ADMIN, CMS]),
    "school_staff": ([STAFF_HOME], [ROLES_PAGE, HELP_PLACES_ADMIN, CMS]),
    "coordinator": ([STAFF_HOME, ROLES_PAGE, HELP_PLACES_ADMIN], [CMS]),
    "editor": ([STAFF_HOME, CMS], [ROLES_PAGE, HELP_PLACES_ADMIN]),
    "superuser": ([STAFF_HOME, ROLES_PAGE, HELP_PLACES_ADMIN, CMS], []),
}
# A sentence of each one's home that says what the role does today.
HOME_SAYS = {
    "informer": "Vous n'avez pas encore de lieu d'accueil",
    "school_staff": "Bientôt, tu créeras ici les groupes de ta classe",
    "coordinator": "Invite les informateur·rices",
    "editor": "Ouvrir l'administration des contenus",
    "superuser": "l'administration Django",
}


def _header(response) -> str:
    text = page_text(response)
    return text[text.index("<header") : text.index("</header>")]


@pytest.mark.parametrize("who", list(HEADER))
def test_each_role_signs_in_to_its_own_home(client, site, staff, who):
    user = staff[who]
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == "/espace/"

    home = client.get("/espace/")
    assert home.status_code == 200
    text = page_text(home)
    assert "<h1>Mon espace</h1>" in text
    assert HOME_SAYS[who] in text
    header = _header(home)
    shown, hidden = HEADER[who]
    for link in shown:
        assert link in header, link
    for link in hidden:
        assert link not in header, link
    for link in LEARNER_PAGES:
        assert link not in header
    for nudge in ONBOARDING_NUDGES:
        assert nudge not in text


@pytest.mark.parametrize("who", list(HEADER))
def test_staff_are_never_asked_for_a_learner_profile(client, site, staff, who):
    client.force_login(staff[who])
    front = page_text(client.get("/"))
    for nudge in ONBOARDING_NUDGES:
        assert nudge not in front
    assert STAFF_HOME in front
    for learner_page in ("/parcours/", "/planning/"):
        response = client.get(learner_page, follow=True)
        assert response.redirect_chain == [("/espace/", 302)]
        assert "fait partie du parcours des jeunes" in page_text(response)


@pytest.mark.parametrize("who", list(HEADER))
def test_the_onboarding_refuses_every_staff_account(client, site, staff, who):
    """Editors and the team as well as roles: the page says why, and a form sent
    anyway writes nothing."""
    client.force_login(staff[who])
    response = client.get("/bienvenue/")
    assert response.status_code == 403
    assert "il ne peut pas avoir de profil de jeune" in page_text(response)
    assert 'name="birth_date"' not in page_text(response)
    response = client.post(
        "/bienvenue/",
        {"first_name": "Marc", "birth_date": "2009-05-01", "accept_terms": "on"},
    )
    assert response.status_code == 403
    assert not LearnerProfile.objects.filter(user=staff[who]).exists()


def test_the_roles_say_which_territory(client, site, staff, epci):
    client.force_login(staff["coordinator"])
    text = page_text(client.get("/espace/"))
    assert (
        "Tu es coordinateur·rice de territoire pour "
        "Communauté de communes du Perche." in text
    )


def test_a_learner_who_also_holds_a_role_sees_both(client, site, epci):
    # Such accounts exist from before the rule that refuses roles to learners.
    learner = LearnerProfileFactory().user
    RoleMembershipFactory(user=learner, role=Role.INFORMER, epci=epci)
    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": PASSWORD}
    )
    assert response.url == "/espace/"
    home = client.get("/espace/")
    header = _header(home)
    for link in (STAFF_HOME, *LEARNER_PAGES):
        assert link in header
    text = page_text(home)
    assert "Ton parcours de jeune" in text
    assert HOME_SAYS["informer"] in text


def test_learners_keep_their_pages_and_have_no_staff_home(client, site):
    learner = LearnerProfileFactory().user
    response = client.post(
        reverse("account_login"), {"login": learner.email, "password": PASSWORD}
    )
    assert response.url == "/"
    header = _header(client.get("/"))
    assert STAFF_HOME not in header
    for link in LEARNER_PAGES:
        assert link in header
    assert client.get("/espace/").url == "/parcours/"

    client.logout()
    newcomer = UserFactory()
    response = client.post(
        reverse("account_login"), {"login": newcomer.email, "password": PASSWORD}
    )
    assert response.url == "/bienvenue/"
    assert client.get("/espace/").url == "/"


def test_staff_home_queries(client, site, staff, django_assert_max_num_queries):
    client.force_login(staff["coordinator"])
    client.get("/espace/")  # warm the site and content-type caches
    # The coordination panel (registers and validations of the territory) adds 3.
    with django_assert_max_num_queries(10):
        assert client.get("/espace/").status_code == 200


def test_a_staff_account_reads_a_module_without_being_sent_to_the_onboarding(
    client, content, staff
):
    client.force_login(staff["informer"])
    module = page_text(client.get(ModulePage.objects.get(slug=MODULE_SLUG).url))
    assert "ton compte professionnel n'en passe pas" in module
    assert "complète ton profil" not in module
