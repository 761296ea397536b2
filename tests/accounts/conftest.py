import re
from datetime import date, timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from demo.content import curriculum_load
from demo.deadlines import deadline_rules_load
from tests.factories import EPCIFactory, RoleMembershipFactory

from .people import learner_with_everything


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


def invitation_link(message) -> str:
    """The acceptance link of an invitation e-mail (absolute)."""
    return re.search(r"https?://\S+/espace/invitation/[\w-]+/", message.body)[0]


@pytest.fixture
def content(site, perche):
    """The demo curriculum (quiz) and the deadline rules (planning)."""
    curriculum_load(home=site, now=timezone.now() - timedelta(hours=1))
    deadline_rules_load()


@pytest.fixture
def zelie(content, client):
    """A learner who used everything, signed in on `client`. Her e-mail, first name
    and birth date appear nowhere else in the database."""
    return learner_with_everything(
        email="zelie.prunelle@exemple.fr",
        first_name="Zélie-Prunelle",
        birth_date=date(2008, 2, 29),
        commune="Nogent-le-Rotrou",
        client=client,
    )


@pytest.fixture
def maelys(content):
    """Another learner, just as busy: nothing of hers may move."""
    return learner_with_everything(
        email="maelys.autre@exemple.fr",
        first_name="Maëlys",
        birth_date=date(2009, 7, 14),
        commune="Bellême",
    )
