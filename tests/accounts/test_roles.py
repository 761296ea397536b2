import pytest
from django.urls import reverse

from accounts import selectors, services
from accounts.errors import AccountsError
from accounts.models import Role, RoleMembership
from accounts.permissions import Action, user_can
from core.models import JournalEntry
from tests.factories import EPCIFactory, RoleMembershipFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def territories():
    """Two EPCIs, each with its coordinator and one informer."""
    epci_a, epci_b = EPCIFactory(name="CC A"), EPCIFactory(name="CC B")
    coordinator_a = RoleMembershipFactory(epci=epci_a).user
    coordinator_b = RoleMembershipFactory(epci=epci_b).user
    informer_a = RoleMembershipFactory(epci=epci_a, role=Role.INFORMER)
    informer_b = RoleMembershipFactory(epci=epci_b, role=Role.INFORMER)
    return {
        "a": epci_a,
        "b": epci_b,
        "coordinator_a": coordinator_a,
        "coordinator_b": coordinator_b,
        "informer_a": informer_a,
        "informer_b": informer_b,
    }


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


def test_coordinator_cannot_grant_in_another_epci(territories):
    newcomer = UserFactory()
    with pytest.raises(AccountsError):
        services.role_grant(
            actor=territories["coordinator_a"],
            user=newcomer,
            role=Role.INFORMER,
            epci=territories["b"],
        )
    assert not RoleMembership.objects.filter(user=newcomer).exists()


def test_grant_and_revoke_are_journaled(territories):
    coordinator = territories["coordinator_a"]
    newcomer = UserFactory()
    membership = services.role_grant(
        actor=coordinator, user=newcomer, role=Role.INFORMER, epci=territories["a"]
    )
    with pytest.raises(AccountsError, match="déjà ce rôle"):
        services.role_grant(
            actor=coordinator, user=newcomer, role=Role.INFORMER, epci=territories["a"]
        )
    services.role_revoke(actor=coordinator, membership=membership)
    with pytest.raises(AccountsError, match="déjà été retiré"):
        services.role_revoke(actor=coordinator, membership=membership)
    actions = list(
        JournalEntry.objects.filter(actor=coordinator).values_list("action", flat=True)
    )
    assert sorted(actions) == ["accounts.role_granted", "accounts.role_revoked"]
    # Once revoked, the same role can be granted again.
    services.role_grant(
        actor=coordinator, user=newcomer, role=Role.INFORMER, epci=territories["a"]
    )


def test_role_page_grants_within_own_epci(client, site, territories):
    client.force_login(territories["coordinator_a"])
    newcomer = UserFactory(email="nouvelle@exemple.fr")
    page = client.get(reverse("accounts:role-list"))
    assert page.status_code == 200
    assert territories["informer_a"].user.email in page_text(page)
    assert territories["informer_b"].user.email not in page_text(page)

    response = client.post(
        reverse("accounts:role-list"),
        {
            "email": "nouvelle@exemple.fr",
            "role": Role.INFORMER,
            "epci": territories["a"].pk,
        },
    )
    assert response.status_code == 302
    assert RoleMembership.objects.active().filter(user=newcomer).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "pas-une-adresse", "role": "informer"},
            "adresse e-mail n'est pas valide",
        ),
        ({"email": "inconnue@exemple.fr", "role": "informer"}, "Aucun compte"),
        ({"email": "x@exemple.fr", "role": "pape"}, "Sélectionnez un choix valide"),
    ],
)
def test_role_page_bad_input(client, site, territories, data, message):
    UserFactory(email="x@exemple.fr")
    client.force_login(territories["coordinator_a"])
    before = RoleMembership.objects.count()
    response = client.post(
        reverse("accounts:role-list"), {**data, "epci": territories["a"].pk}
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert RoleMembership.objects.count() == before


def test_role_page_refuses_other_epci_and_other_roles(client, site, territories):
    newcomer = UserFactory(email="nouvelle@exemple.fr")
    client.force_login(territories["coordinator_a"])
    response = client.post(
        reverse("accounts:role-list"),
        {"email": newcomer.email, "role": Role.INFORMER, "epci": territories["b"].pk},
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in page_text(response)
    assert not RoleMembership.objects.filter(user=newcomer).exists()

    revoke_b = reverse("accounts:role-revoke", args=[territories["informer_b"].pk])
    assert client.post(revoke_b).status_code == 404
    territories["informer_b"].refresh_from_db()
    assert territories["informer_b"].revoked_at is None

    client.force_login(territories["informer_a"].user)
    assert client.get(reverse("accounts:role-list")).status_code == 403
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:role-list")).status_code == 403


def test_revoke_from_page(client, site, territories):
    client.force_login(territories["coordinator_a"])
    url = reverse("accounts:role-revoke", args=[territories["informer_a"].pk])
    assert client.get(url).status_code == 405
    response = client.post(url, follow=True)
    assert "Rôle retiré" in page_text(response)
    territories["informer_a"].refresh_from_db()
    assert territories["informer_a"].revoked_at is not None
