"""Staff roles by invitation, seen from the pages and the e-mails only (what the
coordinator, the invited person and a curious third party can observe)."""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import LearnerProfile, Role, RoleMembership
from core.models import JournalEntry
from tests.factories import (
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
)
from tests.helpers import page_text

from .conftest import invitation_link

pytestmark = pytest.mark.django_db

ROLES_PAGE = "/espace/roles/"
PASSWORD = "Un-mot-de-passe-solide-2026"
SITE_URL = "https://majorite-prete.example.fr"
LEARNER_REFUSAL = (
    "Ce compte est un compte de jeune : pour un rôle professionnel, crée un compte "
    "avec ton adresse professionnelle."
)


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE_URL


@pytest.fixture
def invite(client, territories, django_capture_on_commit_callbacks):
    """Coordinator A invites an address from the roles page (e-mails sent)."""

    def invite(email, role=Role.INFORMER, epci=None, as_user=None):
        client.force_login(as_user or territories["coordinator_a"])
        data = {"email": email, "role": role, "epci": (epci or territories["a"]).pk}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(ROLES_PAGE, data, follow=True)

    return invite


def _path(link: str) -> str:
    return urlsplit(link).path


def _normalized(body: str, *secrets: str) -> str:
    """A page body without what differs by nature from one request to the next."""
    for secret in secrets:
        body = body.replace(secret, "SECRET")
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", body)
    return re.sub(r"/invitations/\d+/", "/invitations/N/", body)


def _cancel_urls(body: str) -> list[str]:
    return re.findall(r"/espace/roles/invitations/\d+/annuler/", body)


def test_the_answer_never_says_whether_an_account_exists(
    client, territories, site, django_capture_on_commit_callbacks
):
    staff = UserFactory(email="staff@exemple.fr")
    learner = LearnerProfileFactory(user__email="lina@exemple.fr").user
    addresses = [staff.email, learner.email, "inconnue@exemple.fr"]
    bodies, mails, queries = [], [], []
    client.force_login(territories["coordinator_a"])
    client.get(ROLES_PAGE)  # Wagtail caches the site on the first request
    for address in addresses:
        mail.outbox.clear()
        data = {"email": address, "role": Role.INFORMER, "epci": territories["a"].pk}
        with (
            CaptureQueriesContext(connection) as captured,
            django_capture_on_commit_callbacks(execute=True),
        ):
            response = client.post(ROLES_PAGE, data, follow=True)
        assert response.status_code == 200
        text = page_text(response)
        assert (
            f"Invitation envoyée à {address} : le rôle sera actif quand la personne "
            "l'aura acceptée." in text
        )
        assert "Aucun compte" not in text
        bodies.append(_normalized(text, address))
        queries.append(len(captured))
        [message] = mail.outbox
        assert message.to == [address]
        link = invitation_link(message)
        mails.append(
            (message.subject, _normalized(message.body, address, link))
            + tuple(
                _normalized(content, address, link)
                for content, _ in message.alternatives
            )
        )
        # Back to an empty list for the next address (cancelling is tested below).
        [cancel] = _cancel_urls(text)
        client.post(cancel, follow=True)
    assert bodies[0] == bodies[1] == bodies[2]
    assert mails[0] == mails[1] == mails[2]
    assert queries[0] == queries[1] == queries[2]
    # Nobody got a role from being invited.
    assert not RoleMembership.objects.filter(user__in=[staff, learner]).exists()


def test_the_invitation_email_has_an_absolute_link_that_works(invite, site):
    invite("nouvelle@exemple.fr", role=Role.COORDINATOR)
    [message] = mail.outbox
    assert "CC A" in message.subject
    link = invitation_link(message)
    assert link.startswith(f"{SITE_URL}/espace/invitation/")
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "Coordinateur·rice de territoire" in message.body
    response = Client().get(_path(link), follow=True)
    assert response.status_code == 200
    text = page_text(response)
    assert "Coordinateur·rice de territoire" in text
    assert "Créer mon compte" in text
    # The token leaves the address bar: the page itself has a plain address.
    assert response.redirect_chain[-1][0] == "/espace/invitation/"


def test_a_staff_account_accepts_and_the_coordinator_reaches_the_cms(
    invite, territories, site
):
    staff = UserFactory(email="agent@cc-a.fr")
    invite(staff.email, role=Role.COORDINATOR)
    browser = Client()
    browser.force_login(staff)
    assert browser.get("/cms/").status_code != 200
    page = browser.get(_path(invitation_link(mail.outbox[0])), follow=True)
    assert page.status_code == 200
    assert "Accepter le rôle" in page_text(page)

    response = browser.post(page.redirect_chain[-1][0], follow=True)
    assert response.status_code == 200
    assert "C'est fait" in page_text(response)
    membership = RoleMembership.objects.active().get(user=staff)
    assert (membership.role, membership.epci) == (Role.COORDINATOR, territories["a"])
    assert membership.granted_by == territories["coordinator_a"]
    assert browser.get("/cms/").status_code == 200

    coordinator_actions = JournalEntry.objects.filter(
        actor=territories["coordinator_a"]
    ).values_list("action", flat=True)
    assert list(coordinator_actions) == ["accounts.role_invitation_sent"]
    staff_actions = JournalEntry.objects.filter(actor=staff).values_list(
        "action", flat=True
    )
    assert sorted(staff_actions) == [
        "accounts.role_granted",
        "accounts.role_invitation_accepted",
    ]


def test_a_learner_account_is_kindly_refused_and_gets_nothing(invite, site):
    learner = LearnerProfileFactory(user__email="lina@exemple.fr").user
    invite(learner.email)
    browser = Client()
    browser.force_login(learner)
    page = browser.get(_path(invitation_link(mail.outbox[0])), follow=True)
    assert page.status_code == 403
    assert LEARNER_REFUSAL in page_text(page)
    assert "Accepter le rôle" not in page_text(page)

    response = browser.post(page.redirect_chain[-1][0])
    assert response.status_code == 403
    assert LEARNER_REFUSAL in page_text(response)
    assert not RoleMembership.objects.filter(user=learner).exists()
    assert not JournalEntry.objects.filter(action="accounts.role_granted").exists()
    # The coordinator still sees it as pending: the page does not tell them either.
    assert learner.email in page_text(invite("autre@exemple.fr"))


def test_an_unknown_address_signs_up_then_accepts(invite, territories, site):
    invite("nouvelle@exemple.fr")
    browser = Client()
    page = browser.get(_path(invitation_link(mail.outbox[0])), follow=True)
    here = page.redirect_chain[-1][0]
    signup = re.search(r'href="(/compte/signup/\?next=[^"]+)"', page_text(page))[1]

    response = browser.post(
        signup,
        {"email": "nouvelle@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    confirm = re.search(r"/compte/confirm-email/\S+/", mail.outbox[-1].body)[0]
    response = browser.post(confirm)
    # Signed in by the confirmation, straight back to the invitation.
    assert response.status_code == 302
    assert response["Location"] == here
    assert "Accepter le rôle" in page_text(browser.get(here))
    browser.post(here)
    membership = RoleMembership.objects.active().get(user__email="nouvelle@exemple.fr")
    assert (membership.role, membership.epci) == (Role.INFORMER, territories["a"])
    # A staff account is not asked for a learner profile afterwards.
    assert browser.get("/bienvenue/").status_code == 403


def test_signing_in_with_the_link_in_hand_comes_back_to_the_invitation(invite, site):
    staff = UserFactory(email="agent@cc-a.fr")
    invite(staff.email)
    browser = Client()
    browser.get(_path(invitation_link(mail.outbox[0])))
    response = browser.post(
        "/compte/login/", {"login": staff.email, "password": "Mot-de-passe-solide-42"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/espace/invitation/"


def _accepted(browser, link):
    page = browser.get(_path(link), follow=True)
    browser.post(page.redirect_chain[-1][0], follow=True)


@pytest.mark.parametrize(
    "case",
    ["tampered", "reused", "expired", "cancelled", "other account", "unverified"],
)
def test_every_unusable_link_is_refused_alike(
    case, client, invite, settings, site, territories
):
    address = "agent@cc-a.fr"
    if case == "expired":
        settings.ROLE_INVITATION_TTL_DAYS = 0
    if case == "unverified":
        # The account has the address, but never proved it is theirs.
        user = UserFactory(email="agent@cc-b.fr")
        EmailAddress.objects.create(user=user, email=address, verified=False)
    elif case == "other account":
        user = UserFactory(email="quelquun@exemple.fr")
    else:
        user = UserFactory(email=address)
    response = invite(address)
    link = invitation_link(mail.outbox[0])
    browser = Client()
    if case == "tampered":
        link = link[:-3] + ("A/" if link[-3] != "A" else "B/")
    elif case == "reused":
        browser.force_login(user)
        _accepted(browser, link)
        assert RoleMembership.objects.active().filter(user=user).count() == 1
    elif case == "cancelled":
        [cancel] = _cancel_urls(page_text(response))
        client.post(cancel)
    browser.force_login(user)
    memberships = RoleMembership.objects.filter(user=user).count()

    refused = browser.get(_path(link), follow=True)
    unknown = Client()
    unknown.force_login(user)
    reference = unknown.get("/espace/invitation/pas-un-vrai-jeton/", follow=True)
    assert refused.status_code == reference.status_code == 404
    assert "ne peut pas servir" in page_text(refused)
    assert _normalized(page_text(refused)) == _normalized(page_text(reference))
    accept = browser.post("/espace/invitation/")
    assert accept.status_code == 404
    assert RoleMembership.objects.filter(user=user).count() == memberships


def test_a_coordinator_cannot_invite_see_or_cancel_in_another_epci(
    client, invite, territories, site
):
    b_page = invite(
        "agent-b@exemple.fr",
        epci=territories["b"],
        as_user=territories["coordinator_b"],
    )
    [cancel_b] = _cancel_urls(page_text(b_page))
    mail.outbox.clear()

    a_page = invite("agent-x@exemple.fr", epci=territories["b"])
    assert "Sélectionnez un choix valide" in page_text(a_page)
    assert mail.outbox == []
    a_page = client.get(ROLES_PAGE)
    assert "agent-b@exemple.fr" not in page_text(a_page)
    assert _cancel_urls(page_text(a_page)) == []
    assert client.post(cancel_b).status_code == 404

    client.force_login(territories["coordinator_b"])
    assert "agent-b@exemple.fr" in page_text(client.get(ROLES_PAGE))
    # A superuser sees every EPCI's invitations.
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert "agent-b@exemple.fr" in page_text(client.get(ROLES_PAGE))


def test_cancelling_is_journaled_and_the_link_stops_working(
    client, invite, territories, site
):
    page = invite("agent@exemple.fr")
    link = invitation_link(mail.outbox[0])
    [cancel] = _cancel_urls(page_text(page))
    response = client.post(cancel, follow=True)
    assert "Invitation de agent@exemple.fr annulée." in page_text(response)
    assert "agent@exemple.fr" not in page_text(client.get(ROLES_PAGE))
    assert JournalEntry.objects.filter(
        actor=territories["coordinator_a"], action="accounts.role_invitation_cancelled"
    ).exists()
    assert client.post(cancel).status_code == 404
    assert Client().get(_path(link), follow=True).status_code == 404


def test_inviting_again_within_the_hour_sends_nothing_more(invite, site):
    first = invite("agent@exemple.fr")
    second = invite("Agent@Exemple.fr ")
    # The same answer as the first time, and still one invitation, one e-mail.
    assert _normalized(page_text(second)) == _normalized(page_text(first))
    assert len(_cancel_urls(page_text(second))) == 1
    assert "Invitation envoyée à agent@exemple.fr" in page_text(second)
    assert len(mail.outbox) == 1


def test_a_staff_account_is_not_asked_for_a_learner_profile(
    client, territories, site, perche
):
    informer = territories["informer_a"].user
    client.force_login(informer)
    page = client.get("/bienvenue/")
    assert page.status_code == 403
    assert "Ce compte a un rôle professionnel" in page_text(page)
    client.post(
        "/bienvenue/",
        {
            "first_name": "Karim",
            "birth_date": "2009-03-14",
            "commune_query": "Nogent-le-Rotrou",
            "accept_terms": "on",
        },
    )
    assert not LearnerProfile.objects.filter(user=informer).exists()


def test_the_roles_page_costs_the_same_queries_whatever_the_list(
    client, invite, territories, site
):
    def queries() -> int:
        client.get(ROLES_PAGE)  # Wagtail caches the site on the first request
        with CaptureQueriesContext(connection) as captured:
            page = client.get(ROLES_PAGE)
        assert page.status_code == 200
        return len(captured)

    invite("agent0@exemple.fr")
    few = queries()
    for number in range(1, 6):
        invite(f"agent{number}@exemple.fr")
        RoleMembershipFactory(epci=territories["a"], role=Role.SCHOOL_STAFF)
    assert queries() == few
    assert len(_cancel_urls(page_text(client.get(ROLES_PAGE)))) == 6
