"""Two coordinators of one EPCI remove each other at the same moment, against the
real PostgreSQL: one of them stays."""

import threading

from django.db import connection

from accounts import services
from accounts.models import Role, RoleMembership
from tests.factories import EPCIFactory, RoleMembershipFactory


def test_two_coordinators_removing_each_other_leave_one(transactional_db):
    epci = EPCIFactory()
    first, second = (
        RoleMembershipFactory(epci=epci, role=Role.COORDINATOR) for _ in range(2)
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def revoke(actor, membership):
        try:
            barrier.wait(timeout=10)
            services.role_revoke(actor=actor, membership=membership)
        except Exception as error:  # noqa: BLE001 - the test sorts them out below
            outcomes.append(error)
        else:
            outcomes.append("revoked")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=revoke, args=(first.user, second)),
        threading.Thread(target=revoke, args=(second.user, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert outcomes.count("revoked") == 1, outcomes
    refused = next(outcome for outcome in outcomes if outcome != "revoked")
    assert "seule personne qui coordonne" in str(refused)
    assert (
        RoleMembership.objects.active().filter(epci=epci, role=Role.COORDINATOR).count()
        == 1
    )
