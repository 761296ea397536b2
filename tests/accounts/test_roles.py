from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from accounts import selectors, services
from accounts.errors import AccountsError
from accounts.models import Role, RoleInvitation, RoleMembership
from accounts.permissions import Action, user_can
from core.models import JournalEntry
from tests.factories import RoleMembershipFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


def test_permission_layer_by_role_and_territory(territories):
    a, b = territories["a"], territories["b"]
    coordinator = territories["coordinator_a"]
    informer = territories["informer_a"].user
    anonymous_like = UserFactory()
    superuser = UserFactory(is_superuser=True)

    assert user_can(coordinator, Action.ROLE_GRANT, a)
    assert not user_can(coordinator, Action.ROLE_GRANT, b)
    assert user_can(coordinator, Action.ROLE_REVOKE, territories["informer_a"])
    assert not user_can(coordinator, Action.ROLE_REVOKE, territories["informer_b"])
    assert not user_can(informer, Action.ROLE_GRANT, a)
    assert not user_can(anonymous_like, Action.EPCI_VIEW, a)
    assert user_can(superuser, Action.ROLE_GRANT, b)


def test_coordinator_of_a_sees_nothing_of_b(territories):
    coordinator = territories["coordinator_a"]
    visible = selectors.role_membership_list_for_user(user=coordinator)
    assert {m.epci for m in visible} == {territories["a"]}
    assert list(selectors.epci_list_for_user(user=coordinator)) == [territories["a"]]
    assert (
        selectors.role_membership_get_for_user(
            user=coordinator, pk=territories["informer_b"].pk
        )
        is None
    )


def test_grant_and_revoke_are_journaled(territories):
    coordinator = territories["coordinator_a"]
    newcomer = UserFactory()
    membership = services.role_membership_create(
        actor=coordinator, user=newcomer, role=Role.INFORMER, epci=territories["a"]
    )
    with pytest.raises(AccountsError, match="déjà ce rôle"):
        services.role_membership_create(
            actor=coordinator, user=newcomer, role=Role.INFORMER, epci=territories["a"]
        )
    services.role_revoke(actor=coordinator, membership=membership)
    with pytest.raises(AccountsError, match="déjà été retiré"):
        services.role_revoke(actor=coordinator, membership=membership)
    actions = list(
        JournalEntry.objects.filter(actor=coordinator).values_list("action", flat=True)
    )
    assert sorted(actions) == ["accounts.role_granted", "accounts.role_revoked"]
    # Once revoked, the same role can be given again.
    services.role_membership_create(
        actor=coordinator, user=newcomer, role=Role.INFORMER, epci=territories["a"]
    )


def test_role_page_lists_the_roles_of_own_epci_only(client, site, territories):
    client.force_login(territories["coordinator_a"])
    page = client.get(reverse("accounts:role-list"))
    assert page.status_code == 200
    assert territories["informer_a"].user.email in page_text(page)
    assert territories["informer_b"].user.email not in page_text(page)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "pas-une-adresse", "role": "informer"},
            "adresse e-mail n'est pas valide",
        ),
        ({"email": "x@exemple.fr", "role": "pape"}, "Sélectionnez un choix valide"),
    ],
)
def test_role_page_bad_input(
    client, site, territories, data, message, django_capture_on_commit_callbacks
):
    client.force_login(territories["coordinator_a"])
    before = RoleMembership.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:role-list"), {**data, "epci": territories["a"].pk}
        )
    assert response.status_code == 200
    assert message in page_text(response)
    assert RoleMembership.objects.count() == before
    assert not RoleInvitation.objects.exists()
    assert mail.outbox == []


def test_role_page_refuses_other_epci_and_other_roles(
    client, site, territories, django_capture_on_commit_callbacks
):
    newcomer = UserFactory(email="nouvelle@exemple.fr")
    client.force_login(territories["coordinator_a"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("accounts:role-list"),
            {
                "email": newcomer.email,
                "role": Role.INFORMER,
                "epci": territories["b"].pk,
            },
        )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in page_text(response)
    assert not RoleInvitation.objects.exists()
    assert mail.outbox == []

    revoke_b = reverse("accounts:role-revoke", args=[territories["informer_b"].pk])
    assert client.post(revoke_b).status_code == 404
    territories["informer_b"].refresh_from_db()
    assert territories["informer_b"].revoked_at is None

    client.force_login(territories["informer_a"].user)
    assert client.get(reverse("accounts:role-list")).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:role-list")).status_code == 403


def test_revoke_asks_for_confirmation_first(client, site, territories):
    informer = territories["informer_a"]
    client.force_login(territories["coordinator_a"])
    url = reverse("accounts:role-revoke", args=[informer.pk])
    listing = page_text(client.get(reverse("accounts:role-list")))
    assert f'href="{url}"' in listing  # a link to the confirmation, no one-click form

    confirm = client.get(url)
    assert confirm.status_code == 200
    text = page_text(confirm)
    assert informer.user.email in text
    assert "Retirer le rôle</button>" in text
    assert f'href="{reverse("accounts:role-list")}">Annuler</a>' in text
    informer.refresh_from_db()
    assert informer.revoked_at is None  # looking is not revoking

    response = client.post(url, follow=True)
    assert "Rôle retiré" in page_text(response)
    informer.refresh_from_db()
    assert informer.revoked_at is not None
    assert client.get(url).status_code == 404  # no longer an active role


def test_the_last_coordinator_of_an_epci_stays(territories):
    # CC B's coordinator does not count for CC A.
    sole = RoleMembership.objects.get(user=territories["coordinator_a"])
    superuser = UserFactory(is_superuser=True)
    for actor in (territories["coordinator_a"], superuser):
        with pytest.raises(AccountsError, match="seule personne qui coordonne CC A"):
            services.role_revoke(actor=actor, membership=sole)
    sole.refresh_from_db()
    assert sole.revoked_at is None
    assert not JournalEntry.objects.filter(action="accounts.role_revoked").exists()

    # With a second coordinator, either may go, but not both.
    second = RoleMembershipFactory(epci=territories["a"], role=Role.COORDINATOR)
    services.role_revoke(actor=second.user, membership=sole)
    with pytest.raises(AccountsError, match="seule personne qui coordonne"):
        services.role_revoke(actor=second.user, membership=second)
    second.refresh_from_db()
    assert second.revoked_at is None


def test_the_last_coordinator_is_told_before_clicking(client, site, territories):
    own = RoleMembership.objects.get(user=territories["coordinator_a"])
    client.force_login(territories["coordinator_a"])
    url = reverse("accounts:role-revoke", args=[own.pk])
    text = page_text(client.get(url))
    assert "seule personne qui coordonne CC A" in text
    assert "Retirer le rôle</button>" not in text
    # A form sent anyway (an old tab) is refused with the same words.
    response = client.post(url, follow=True)
    assert "seule personne qui coordonne CC A" in page_text(response)
    own.refresh_from_db()
    assert own.revoked_at is None


def test_own_role_is_confirmed_with_a_warning(client, site, territories):
    own = RoleMembership.objects.get(user=territories["coordinator_a"])
    RoleMembershipFactory(epci=territories["a"], role=Role.COORDINATOR)
    client.force_login(territories["coordinator_a"])
    text = page_text(client.get(reverse("accounts:role-revoke", args=[own.pk])))
    assert "C'est ton propre rôle" in text
    assert "Retirer le rôle</button>" in text


def test_the_roles_pages_write_dates_in_french(client, site, territories):
    """« 1er décembre 2026 », in Paris time (23:30 UTC on 30 November)."""
    first_of_december = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    informer = territories["informer_a"]
    RoleMembership.objects.filter(pk=informer.pk).update(granted_at=first_of_december)
    RoleInvitation.objects.create(
        email="nouvelle@exemple.fr",
        role=Role.INFORMER,
        epci=territories["a"],
        token_hash="x" * 64,
        sent_at=first_of_december,
        expires_at=first_of_december + timedelta(days=14),
    )
    client.force_login(territories["coordinator_a"])
    listing = page_text(client.get(reverse("accounts:role-list")))
    assert "Depuis le 1er décembre 2026" in listing
    assert "Envoyée le 1er décembre 2026" in listing
    assert "15 décembre 2026" in listing  # expiry: valid until, or expired on
    confirm = client.get(reverse("accounts:role-revoke", args=[informer.pk]))
    assert "Depuis le 1er décembre 2026" in page_text(confirm)
