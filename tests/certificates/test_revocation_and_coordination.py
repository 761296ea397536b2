"""Revocation by the coordination of the certificate's EPCI only; batches and their
progress page; every new page, role by role."""

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from accounts.services import DeletionReason, account_delete
from certificates import services
from certificates.errors import CertificatesError
from certificates.models import BatchTrigger, CertificateStatus
from certificates.verification import State, certificate_verify
from core.models import JournalEntry
from tests.accounts.test_account_deletion import tables_mentioning
from tests.factories import RoleMembershipFactory, UserFactory, content_editor
from tests.helpers import page_text

from .people import attain, coordinator_of, learner_in, pilot_epci


@pytest.fixture
def certificate(ready_learner):
    return services.certificate_issue(learner_id=ready_learner.pk).certificate


def test_the_coordinator_revokes_with_a_reason(
    certificate, epci, ready_learner, django_capture_on_commit_callbacks
):
    coordinator = coordinator_of(epci)
    with django_capture_on_commit_callbacks(execute=True):
        services.certificate_revoke(
            certificate_id=certificate.pk,
            actor=coordinator,
            reason="  Attestation obtenue par un autre jeune.  ",
        )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revoked_by == coordinator
    assert certificate.revocation_reason == "Attestation obtenue par un autre jeune."
    entry = JournalEntry.objects.get(action="certificates.certificate_revoked")
    assert entry.actor == coordinator
    # Not the reason: free text that may name the holder, and the journal outlives
    # the account (the reason stays on the certificate, which forgets it then).
    assert entry.details == {"epci": epci.siren}
    (message,) = mail.outbox
    assert message.to == [ready_learner.email]
    assert "Attestation obtenue par un autre jeune." in message.body


def test_the_reason_goes_with_the_holders_account(certificate, epci, ready_learner):
    services.certificate_revoke(
        certificate_id=certificate.pk,
        actor=coordinator_of(epci),
        reason="Camille Durand a fait passer les quiz par son frère.",
    )
    account_delete(
        user=ready_learner, actor=ready_learner, reason=DeletionReason.OWN_REQUEST
    )
    assert tables_mentioning("Camille Durand a fait passer") == {}
    # The tombstone still says it was revoked, and when.
    certificate.refresh_from_db()
    assert certificate.is_revoked and certificate.revoked_at is not None
    assert certificate_verify(typed=certificate.code).state == State.REVOKED


@pytest.mark.parametrize("reason", ["", "   ", "x" * 1001])
def test_a_reason_is_required_and_bounded(certificate, epci, reason):
    with pytest.raises(CertificatesError) as refused:
        services.certificate_revoke(
            certificate_id=certificate.pk, actor=coordinator_of(epci), reason=reason
        )
    assert refused.value.field == "reason"
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    assert not JournalEntry.objects.filter(
        action="certificates.certificate_revoked"
    ).exists()


def test_only_the_certificate_epci_coordination_revokes(certificate, epci):
    elsewhere = pilot_epci(name="CC des Collines du Perche")
    refused = [
        coordinator_of(elsewhere),
        RoleMembershipFactory(role=Role.INFORMER, epci=epci).user,
        RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=epci).user,
        content_editor(),
        certificate.learner,
    ]
    for actor in refused:
        with pytest.raises(PermissionDenied):
            services.certificate_revoke(
                certificate_id=certificate.pk, actor=actor, reason="Erreur."
            )
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    superuser = UserFactory(is_superuser=True, is_staff=True)
    services.certificate_revoke(
        certificate_id=certificate.pk, actor=superuser, reason="Erreur."
    )
    with pytest.raises(CertificatesError, match="déjà révoquée"):
        services.certificate_revoke(
            certificate_id=certificate.pk, actor=superuser, reason="Encore."
        )


def test_the_revocation_page(client, certificate, epci, django_assert_max_num_queries):
    coordinator = coordinator_of(epci)
    client.force_login(coordinator)
    url = f"/espace/attestations/{certificate.pk}/revoquer/"
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert "Raison de la révocation" in page_text(page)
    refused = client.post(url, {"reason": "  "})
    assert "Indiquez la raison de la révocation." in page_text(refused)
    done = client.post(url, {"reason": "Erreur de saisie."}, follow=True)
    assert "révoquée" in page_text(done)
    certificate.refresh_from_db()
    assert certificate.is_revoked
    assert "déjà été révoquée" in page_text(client.get(url))


def test_the_coordination_page_launches_a_batch_and_shows_its_progress(
    client, framework, epci, django_assert_max_num_queries
):
    for _ in range(3):
        attain(learner_in(epci), framework)
    coordinator = coordinator_of(epci)
    client.force_login(coordinator)
    with django_assert_max_num_queries(14):
        page = client.get("/espace/attestations/")
    assert "Lancer le lot" in page_text(page)
    # Outside captured on-commit callbacks, the chunks wait: "à faire".
    response = client.post("/espace/attestations/", {"epci": epci.pk})
    assert response.status_code == 302
    with django_assert_max_num_queries(12):
        progress = client.get(response["Location"])
    text = page_text(progress)
    assert '<meta http-equiv="refresh" content="5">' in text
    assert "<dt>À faire</dt>\n      <dd>3</dd>" in text
    services.issuance_chunk_run(chunk_id=services.IssuanceChunk.objects.get().pk)
    text = page_text(client.get(response["Location"]))
    assert "http-equiv" not in text
    assert "<dt>Délivrées</dt>\n      <dd>3</dd>" in text


def test_a_coordinator_cannot_launch_for_another_epci(client, epci):
    elsewhere = pilot_epci(name="CC des Collines du Perche")
    client.force_login(coordinator_of(epci))
    response = client.post("/espace/attestations/", {"epci": elsewhere.pk})
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in page_text(response)
    assert not services.IssuanceBatch.objects.exists()


# Every new URL, role by role (expected status codes).
(
    ANONYMOUS,
    LEARNER,
    OTHER_LEARNER,
    INFORMER,
    SCHOOL,
    COORD,
    COORD_OTHER,
    EDITOR,
    SUPER,
) = (
    "anonymous",
    "learner",
    "other_learner",
    "informer",
    "school_staff",
    "coordinator",
    "coordinator_other_epci",
    "editor",
    "superuser",
)
ROLES = [
    ANONYMOUS,
    LEARNER,
    OTHER_LEARNER,
    INFORMER,
    SCHOOL,
    COORD,
    COORD_OTHER,
    EDITOR,
    SUPER,
]


@pytest.fixture
def people(certificate, epci, framework):
    elsewhere = pilot_epci(name="CC des Collines du Perche")
    other_learner = learner_in(epci)
    return {
        ANONYMOUS: None,
        LEARNER: certificate.learner,
        OTHER_LEARNER: other_learner,
        INFORMER: RoleMembershipFactory(role=Role.INFORMER, epci=epci).user,
        SCHOOL: RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=epci).user,
        COORD: coordinator_of(epci),
        COORD_OTHER: coordinator_of(elsewhere),
        EDITOR: content_editor(),
        SUPER: UserFactory(is_superuser=True, is_staff=True),
    }


def _matrix(certificate, batch):
    public = dict.fromkeys(ROLES, 200)
    own = {
        ANONYMOUS: 302,
        LEARNER: 200,
        OTHER_LEARNER: 404,
        INFORMER: 302,
        SCHOOL: 302,
        COORD: 302,
        COORD_OTHER: 302,
        EDITOR: 302,
        SUPER: 302,
    }
    coordination = {
        ANONYMOUS: 302,
        LEARNER: 403,
        OTHER_LEARNER: 403,
        INFORMER: 403,
        SCHOOL: 403,
        COORD: 200,
        COORD_OTHER: 200,
        EDITOR: 403,
        SUPER: 200,
    }
    of_the_epci = {**coordination, COORD_OTHER: 404}
    return {
        "/certificats/verifier/": public,
        f"/certificats/verifier/{certificate.code}/": public,
        "/certificats/controle/": public,
        "/certificats/emetteur/": public,
        "/certificats/cles/1/": public,
        "/certificats/statut/": public,
        f"/api/v1/attestations/{certificate.code}/": public,
        f"/parcours/attestation/{certificate.pk}.pdf": own,
        f"/parcours/attestation/{certificate.pk}.json": own,
        "/espace/attestations/": coordination,
        f"/espace/attestations/lots/{batch.pk}/": of_the_epci,
        f"/espace/attestations/{certificate.pk}/revoquer/": of_the_epci,
    }


def test_every_new_page_role_by_role(client, people, certificate, epci):
    batch = services.issuance_batch_launch(trigger=BatchTrigger.COORDINATOR, epci=epci)
    for url, expected in _matrix(certificate, batch).items():
        for role, status in expected.items():
            client.logout()
            if people[role] is not None:
                client.force_login(people[role])
            response = client.get(url)
            assert response.status_code == status, (url, role, response.status_code)
