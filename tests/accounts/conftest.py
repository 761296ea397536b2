import re

import pytest

from accounts.models import Role
from tests.factories import EPCIFactory, RoleMembershipFactory


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
