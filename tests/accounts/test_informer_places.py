"""A coordinator names the help places where each informer of their EPCI works."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.errors import AccountsError
from accounts.models import Role
from core.models import JournalEntry
from tests.assessments.informers import help_place
from tests.factories import RoleMembershipFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return help_place("PIJ du Perche")


@pytest.fixture
def informer_role(place):
    return RoleMembershipFactory(role=Role.INFORMER, epci=place.epci)


@pytest.fixture
def coordinator(place):
    return RoleMembershipFactory(role=Role.COORDINATOR, epci=place.epci).user


def test_the_coordinator_picks_the_informers_places(
    client, place, informer_role, coordinator
):
    neighbour = help_place("France Services", epci=place.epci)
    help_place("Ailleurs")
    client.force_login(coordinator)
    roles = page_text(client.get(reverse("accounts:role-list")))
    url = reverse("accounts:role-places", args=[informer_role.pk])
    assert url in roles
    assert "aucun pour l'instant" in roles
    page = page_text(client.get(url))
    assert "PIJ du Perche" in page and "France Services" in page
    assert "Ailleurs" not in page
    response = client.post(url, {"places": [place.pk, neighbour.pk]})
    assert response.status_code == 302
    assert set(informer_role.places.all()) == {place, neighbour}
    entry = JournalEntry.objects.get(action="accounts.informer_places_set")
    assert entry.actor == coordinator
    roles = page_text(client.get(reverse("accounts:role-list")))
    assert "Lieux d'accueil : France Services, PIJ du Perche" in roles


def test_a_place_of_another_epci_is_refused(client, place, informer_role, coordinator):
    elsewhere = help_place("Ailleurs")
    client.force_login(coordinator)
    url = reverse("accounts:role-places", args=[informer_role.pk])
    for value in (elsewhere.pk, "abc", 10**30):
        response = client.post(url, {"places": [place.pk, value]})
        assert response.status_code == 400
        assert "Choisissez des lieux de la liste" in page_text(response)
    assert not informer_role.places.exists()
    with pytest.raises(AccountsError):
        services.role_membership_places_set(
            actor=coordinator, membership=informer_role, places=[elsewhere]
        )
    assert not informer_role.places.exists()


def test_only_the_epcis_coordinators_and_only_for_informers(
    client, place, informer_role, coordinator
):
    other_coordinator = RoleMembershipFactory(role=Role.COORDINATOR).user
    client.force_login(other_coordinator)
    url = reverse("accounts:role-places", args=[informer_role.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"places": [place.pk]}).status_code == 404
    with pytest.raises(AccountsError):
        services.role_membership_places_set(
            actor=other_coordinator, membership=informer_role, places=[place]
        )
    client.force_login(informer_role.user)
    assert client.get(url).status_code == 403
    staff_role = RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=place.epci)
    client.force_login(coordinator)
    assert (
        client.get(reverse("accounts:role-places", args=[staff_role.pk])).status_code
        == 404
    )
    assert not informer_role.places.exists()
