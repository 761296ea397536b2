"""The invitation and staff-account rules at the service level: tokens, expiry,
re-sending, the learner rule on every path (service, admin, onboarding), scoping."""

import hashlib
import logging
import smtplib
import threading
import time
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from accounts import selectors, services
from accounts.errors import AccountsError
from accounts.models import LearnerProfile, Role, RoleInvitation, RoleMembership
from core.models import JournalEntry
from tests.factories import (
    CommuneFactory,
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
)
from tests.helpers import page_text

from .conftest import invitation_link

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def send(territories, django_capture_on_commit_callbacks):
    """Coordinator A invites through the service; returns the e-mailed token."""

    def send(email="agent@cc-a.fr", role=Role.INFORMER, now=T0, actor=None):
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            services.role_invite(
                actor=actor or territories["coordinator_a"],
                email=email,
                role=role,
                epci=territories["a"],
                now=now,
            )
        if len(mail.outbox) == before:
            return None
        return invitation_link(mail.outbox[-1]).rstrip("/").rsplit("/", 1)[1]

    return send


def test_the_token_is_random_and_only_its_hash_is_kept(send):
    tokens = [send(), send("autre@cc-a.fr")]
    assert len(set(tokens)) == 2
    for token in tokens:
        assert len(token) >= 43
        invitation = RoleInvitation.objects.get(
            token_hash=hashlib.sha256(token.encode()).hexdigest()
        )
        assert token != str(invitation.pk)
        stored = [str(getattr(invitation, f.attname)) for f in invitation._meta.fields]
        assert not any(token in value for value in stored)


def test_the_invitation_expires_after_the_set_number_of_days(send, settings):
    settings.ROLE_INVITATION_TTL_DAYS = 3
    staff = UserFactory(email="agent@cc-a.fr")
    token = send()
    assert RoleInvitation.objects.get().expires_at == T0 + timedelta(days=3)
    with pytest.raises(AccountsError) as refused:
        services.role_invitation_accept(
            user=staff, token=token, now=T0 + timedelta(days=3)
        )
    assert refused.value.message == services.INVITATION_UNUSABLE
    assert (
        selectors.role_invitation_get_valid(token=token, now=T0 + timedelta(3)) is None
    )
    services.role_invitation_accept(user=staff, token=token, now=T0 + timedelta(2))
    assert RoleMembership.objects.active().filter(user=staff).exists()


def test_a_link_serves_once(send):
    staff = UserFactory(email="agent@cc-a.fr")
    token = send()
    services.role_invitation_accept(user=staff, token=token, now=T0)
    with pytest.raises(AccountsError, match="ne peut pas servir"):
        services.role_invitation_accept(user=staff, token=token, now=T0)
    assert RoleMembership.objects.filter(user=staff).count() == 1
    invitation = RoleInvitation.objects.get()
    assert invitation.accepted_by == staff
    assert invitation.membership == RoleMembership.objects.get(user=staff)


def test_inviting_again_resends_at_most_once_an_hour_with_a_new_link(send):
    staff = UserFactory(email="agent@cc-a.fr")
    first = send()
    assert send(now=T0 + timedelta(minutes=59)) is None
    assert len(mail.outbox) == 1
    second = send(now=T0 + timedelta(minutes=61))
    assert second is not None
    assert len(mail.outbox) == 2
    assert RoleInvitation.objects.count() == 1
    assert JournalEntry.objects.filter(
        action="accounts.role_invitation_resent"
    ).exists()
    # Only the newest link works.
    later = T0 + timedelta(minutes=62)
    with pytest.raises(AccountsError):
        services.role_invitation_accept(user=staff, token=first, now=later)
    services.role_invitation_accept(user=staff, token=second, now=later)


def test_an_expired_invitation_can_be_sent_again(send, settings):
    settings.ROLE_INVITATION_TTL_DAYS = 14
    send()
    token = send(now=T0 + timedelta(days=15))
    assert token is not None
    assert RoleInvitation.objects.get().expires_at == T0 + timedelta(days=29)


def test_other_roles_and_addresses_are_separate_invitations(send):
    send()
    send(role=Role.COORDINATOR)
    send("autre@cc-a.fr")
    assert RoleInvitation.objects.open().count() == 3
    assert len(mail.outbox) == 3


def test_a_learner_never_receives_a_staff_role(send, territories):
    learner = LearnerProfileFactory(user__email="agent@cc-a.fr").user
    with pytest.raises(AccountsError, match="compte de jeune"):
        services.role_membership_create(
            actor=None, user=learner, role=Role.INFORMER, epci=territories["a"]
        )
    token = send()
    with pytest.raises(AccountsError, match="compte de jeune"):
        services.role_invitation_accept(user=learner, token=token, now=T0)
    assert not RoleMembership.objects.filter(user=learner).exists()
    invitation = RoleInvitation.objects.get()
    assert invitation.accepted_at is None
    assert not JournalEntry.objects.filter(
        action__in=["accounts.role_granted", "accounts.role_invitation_accepted"]
    ).exists()


def test_an_account_with_a_role_cannot_become_a_learner(site, territories):
    informer = territories["informer_a"]
    commune = CommuneFactory()
    onboarding = {
        "user": informer.user,
        "first_name": "Karim",
        "birth_date": date(2009, 3, 14),
        "commune": commune,
        "terms": selectors.terms_current(),
        "terms_accepted": True,
    }
    with pytest.raises(AccountsError, match="rôle professionnel"):
        services.learner_onboard(**onboarding)
    assert not LearnerProfile.objects.filter(user=informer.user).exists()
    # Once the role is withdrawn, the account may become a learner's.
    services.role_revoke(actor=territories["coordinator_a"], membership=informer)
    services.learner_onboard(**onboarding)
    assert LearnerProfile.objects.filter(user=informer.user).exists()


def test_the_account_lock_keeps_profile_and_role_apart(
    transactional_db, site, territories
):
    """A role being given while the same account creates its learner profile: the
    onboarding waits for the role's transaction, then refuses."""
    user = UserFactory()
    commune = CommuneFactory()
    terms = selectors.terms_current()
    outcome = []

    def onboard():
        try:
            services.learner_onboard(
                user=user,
                first_name="Sam",
                birth_date=date(2009, 3, 14),
                commune=commune,
                terms=terms,
                terms_accepted=True,
            )
        except AccountsError as error:
            outcome.append(error.message)
        else:
            outcome.append("onboarded")
        finally:
            connection.close()

    with transaction.atomic():
        services.role_membership_create(
            actor=None, user=user, role=Role.INFORMER, epci=territories["a"]
        )
        thread = threading.Thread(target=onboard)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # waiting for the account's lock
    thread.join(timeout=30)
    assert outcome == [services.STAFF_ACCOUNT_REFUSAL]
    assert not LearnerProfile.objects.filter(user=user).exists()


def test_invitations_are_scoped_like_roles(
    send, territories, django_capture_on_commit_callbacks
):
    send()
    with django_capture_on_commit_callbacks(execute=True):
        invitation_b = services.role_invite(
            actor=territories["coordinator_b"],
            email="agent@cc-b.fr",
            role=Role.INFORMER,
            epci=territories["b"],
        )
    coordinator_a = territories["coordinator_a"]
    assert [
        i.email for i in selectors.role_invitation_list_for_user(user=coordinator_a)
    ] == ["agent@cc-a.fr"]
    assert (
        selectors.role_invitation_get_for_user(user=coordinator_a, pk=invitation_b.pk)
        is None
    )
    with pytest.raises(AccountsError):
        services.role_invitation_cancel(actor=coordinator_a, invitation=invitation_b)
    with pytest.raises(AccountsError):
        services.role_invite(
            actor=coordinator_a,
            email="x@cc-b.fr",
            role=Role.INFORMER,
            epci=territories["b"],
        )
    informer = territories["informer_a"].user
    with pytest.raises(AccountsError):
        services.role_invite(
            actor=informer, email="x@cc-a.fr", role=Role.INFORMER, epci=territories["a"]
        )
    superuser = UserFactory(is_superuser=True)
    assert selectors.role_invitation_list_for_user(user=superuser).count() == 2
    invitation_b.refresh_from_db()
    assert invitation_b.cancelled_at is None
    assert RoleInvitation.objects.count() == 2


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connexion perdue")


def test_a_mail_server_failure_does_not_change_the_answer(
    client, territories, site, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    client.force_login(territories["coordinator_a"])
    data = {
        "email": "agent@cc-a.fr",
        "role": Role.INFORMER,
        "epci": territories["a"].pk,
    }
    with (
        caplog.at_level(logging.ERROR, logger="accounts.services"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = client.post("/espace/roles/", data, follow=True)
    assert response.status_code == 200
    assert "Invitation envoyée à agent@cc-a.fr" in page_text(response)
    assert "l'e-mail n'est pas parti" in caplog.text


def _admin(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_the_admin_gives_roles_to_staff_accounts_only(client, territories):
    admin = _admin(client)
    learner = LearnerProfileFactory().user
    staff = UserFactory()
    url = "/django-admin/accounts/rolemembership/add/"
    data = {"role": Role.INFORMER, "epci": territories["a"].pk}
    response = admin.post(url, {**data, "user": learner.pk})
    assert response.status_code == 200
    assert "Ce compte est un compte de jeune" in page_text(response)
    assert not RoleMembership.objects.filter(user=learner).exists()

    response = admin.post(url, {**data, "user": staff.pk})
    assert response.status_code == 302
    membership = RoleMembership.objects.active().get(user=staff)
    assert JournalEntry.objects.filter(
        action="accounts.role_granted", target_id=str(membership.pk)
    ).exists()
    # Given twice: a form error, not a crash.
    response = admin.post(url, {**data, "user": staff.pk})
    assert response.status_code == 200
    assert RoleMembership.objects.filter(user=staff).count() == 1


def test_the_admin_gives_no_learner_profile_to_a_staff_account(client, territories):
    admin = _admin(client)
    informer = territories["informer_a"].user
    response = admin.post(
        "/django-admin/accounts/learnerprofile/add/",
        {
            "user": informer.pk,
            "birth_date": "2009-03-14",
            "commune": CommuneFactory().pk,
            "onboarded_at_0": "2026-11-26",
            "onboarded_at_1": "10:00:00",
        },
    )
    assert response.status_code == 200
    assert "Ce compte a un rôle professionnel" in page_text(response)
    assert not LearnerProfile.objects.filter(user=informer).exists()


def test_the_admin_revokes_roles_through_the_service(client, territories):
    admin = _admin(client)
    membership = RoleMembershipFactory(epci=territories["a"], role=Role.INFORMER)
    admin.post(
        "/django-admin/accounts/rolemembership/",
        {"action": "revoke", "_selected_action": [membership.pk]},
    )
    membership.refresh_from_db()
    assert membership.revoked_at is not None
    assert JournalEntry.objects.filter(action="accounts.role_revoked").exists()


def test_accepting_a_role_already_held_spends_the_invitation(send, territories):
    informer = territories["informer_a"]
    informer.user.email = "agent@cc-a.fr"
    informer.user.save()
    informer.user.emailaddress_set.update(email="agent@cc-a.fr")
    token = send()
    membership = services.role_invitation_accept(
        user=informer.user, token=token, now=T0
    )
    assert membership == informer
    assert RoleMembership.objects.filter(user=informer.user).count() == 1
    assert RoleInvitation.objects.get().accepted_at == T0
