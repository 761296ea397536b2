"""Deleting an account: by the learner herself, or by a superuser in Django's admin
or the CMS. One transaction; afterwards nothing personal of hers is anywhere in the
database, the journal keeps only her number, and nobody else's data moves."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from accounts.errors import AccountsError
from accounts.models import Role, RoleInvitation, RoleMembership, UserSession
from accounts.services import (
    DeletionReason,
    account_delete,
    role_invitation_accept,
    role_invite,
)
from assessments.models import ServedQuestion, Visit
from certificates.verification import State, certificate_verify
from core.models import JournalEntry
from reminders.models import DeliveryStatus, ReminderDelivery
from tests.factories import EPCIFactory, RoleMembershipFactory, UserFactory
from tests.helpers import page_text

from .people import admin_history_about, certified
from .test_personal_data import models_holding_data_about_a_user

pytestmark = pytest.mark.django_db

DELETE = reverse("accounts:account-delete")


def tables_mentioning(*needles: str) -> dict[str, int]:
    """Every table of the database, every column read as text: which mention any of
    the needles (case-insensitive), and how many rows."""
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            columns = connection.introspection.get_table_description(cursor, table)
            condition = " OR ".join(
                f"CAST({quote(column.name)} AS TEXT) ILIKE %s"
                for column in columns
                for _ in needles
            )
            params = [f"%{needle}%" for _ in columns for needle in needles]
            cursor.execute(
                f"SELECT COUNT(*) FROM {quote(table)} WHERE {condition}",  # noqa: S608
                params,
            )
            (count,) = cursor.fetchone()
            if count:
                found[table] = count
    return found


def row_counts() -> dict[str, int]:
    return {
        model._meta.label_lower: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def rows_linked_to(user) -> dict[str, int]:
    """Rows of every model holding data about a user that point straight at her."""
    counts = {}
    for label in models_holding_data_about_a_user():
        model = apps.get_model(label)
        for field in model._meta.get_fields(include_parents=False):
            if (
                field.concrete
                and field.is_relation
                and not field.many_to_many
                and field.related_model is get_user_model()
            ):
                key = f"{label}.{field.name}"
                counts[key] = model._default_manager.filter(**{field.name: user.pk})
                counts[key] = counts[key].count()
    return counts


@pytest.fixture
def superuser(db):
    return UserFactory(email="admin@exemple.fr", is_staff=True, is_superuser=True)


def _needles(person) -> tuple[str, ...]:
    return (person.email, person.first_name, person.birth_date.isoformat())


def test_the_confirmation_page_says_what_goes_and_that_it_is_for_good(client, zelie):
    page = page_text(client.get(DELETE))
    for expected in (
        "pour de bon",
        "Ce n'est pas réversible",
        "tes quiz",
        "ton planning",
        "Télécharge tes données",
        "écris le mot « supprimer »",
    ):
        assert expected in page, expected


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("", "Écris le mot « supprimer » pour confirmer."),
        ("oui", "Écris exactement le mot « supprimer »"),
        ("supprime", "Écris exactement le mot « supprimer »"),
    ],
)
def test_without_the_word_nothing_is_deleted(client, zelie, word, message):
    response = client.post(DELETE, {"confirmation": word})
    assert response.status_code == 400
    assert message in page_text(response)
    assert get_user_model().objects.filter(pk=zelie.user.pk).exists()
    assert client.get(reverse("accounts:my-data")).status_code == 200  # still in


def test_a_learner_deletes_her_account_and_nothing_of_her_remains(
    client, zelie, maelys, superuser
):
    admin_history_about(zelie.user, superuser)
    pk = zelie.user.pk
    # Before: she is in many tables, and linked from many models.
    assert len(tables_mentioning(*_needles(zelie))) >= 4
    linked = rows_linked_to(zelie.user)
    assert linked["accounts.usersession.user"] == 1
    assert linked["reminders.reminderdelivery.learner"] > 0
    before = row_counts()
    served = zelie.user.attempts.get().served_questions.count()
    her_rows = {
        "accounts.user": 1,
        "account.emailaddress": 1,
        "accounts.learnerprofile": 1,
        "accounts.termsacceptance": 1,
        "accounts.usersession": 1,
        "wagtailusers.userprofile": 1,
        "admin.logentry": 2,
        "wagtailcore.modellogentry": 1,
        "assessments.attempt": 1,
        "assessments.servedquestion": served,
        "assessments.attainment": zelie.user.attainments.count(),
        "reminders.remindersettings": 1,
        "reminders.learnerevent": 2,
        "reminders.personaldeadline": zelie.user.deadlines.count(),
        "reminders.reminderdelivery": linked["reminders.reminderdelivery.learner"],
    }
    journal_before = JournalEntry.objects.count()
    pending = ReminderDelivery.objects.filter(
        learner=zelie.user, status=DeliveryStatus.PENDING
    ).count()
    assert pending > 0

    response = client.post(DELETE, {"confirmation": " Supprimer "})

    assert response.status_code == 302
    assert response["Location"] == "/"
    home = page_text(client.get("/"))
    assert "Ton compte et tes données sont supprimés" in home
    assert "Se connecter" in home  # logged out
    assert client.get(reverse("accounts:my-data")).status_code == 302

    # Nothing personal of hers anywhere, no row pointing at her.
    assert tables_mentioning(*_needles(zelie)) == {}
    assert {
        key: count
        for key, count in rows_linked_to(zelie.user).items()
        if count and key != "core.journalentry.actor"
    } == {}
    # Everyone else's rows are all there; the journal only grew by one line.
    after = row_counts()
    expected = {
        label: count - her_rows.get(label, 0) for label, count in before.items()
    }
    expected["core.journalentry"] = journal_before + 1
    assert after == expected
    assert tables_mentioning(*_needles(maelys))  # hers are still there
    entry = JournalEntry.objects.get(action="accounts.account_deleted")
    assert (entry.actor_id, entry.target_id) == (pk, str(pk))
    assert entry.details == {"reason": "own_request"}


def test_no_journal_entry_written_by_the_project_holds_personal_data(zelie, maelys):
    """The journal is append-only and outlives accounts: what the project writes in
    it (every journal_record call) must hold no e-mail, name nor birth date."""
    for person in (zelie, maelys):
        for needle in _needles(person):
            assert not JournalEntry.objects.filter(details__icontains=needle).exists()
    assert JournalEntry.objects.values("action").distinct().count() >= 4


def test_a_superuser_deletes_an_account_in_djangos_admin(client, zelie, superuser):
    client.force_login(superuser)
    url = reverse("admin:accounts_user_delete", args=[zelie.user.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=zelie.user.pk).exists()
    assert tables_mentioning(*_needles(zelie)) == {}
    entry = JournalEntry.objects.get(action="accounts.account_deleted")
    assert entry.actor_id == superuser.pk
    assert entry.details == {"reason": "staff"}
    assert not LogEntry.objects.filter(object_repr__icontains=zelie.email).exists()


def test_djangos_admin_bulk_deletion_goes_through_the_service(
    client, zelie, maelys, superuser
):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {
            "action": "delete_selected",
            "_selected_action": [zelie.user.pk, maelys.user.pk],
            "post": "yes",
        },
    )
    assert response.status_code == 302
    assert (
        not get_user_model()
        .objects.filter(pk__in=[zelie.user.pk, maelys.user.pk])
        .exists()
    )
    assert JournalEntry.objects.filter(action="accounts.account_deleted").count() == 2
    assert tables_mentioning(*_needles(zelie), *_needles(maelys)) == {}


def test_only_superusers_delete_accounts_in_djangos_admin(client, zelie):
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    url = reverse("admin:accounts_user_delete", args=[zelie.user.pk])
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=zelie.user.pk).exists()


def test_a_superuser_deletes_an_account_in_the_cms(client, zelie, superuser):
    client.force_login(superuser)
    url = reverse("wagtailusers_users:delete", args=[zelie.user.pk])
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not get_user_model().objects.filter(pk=zelie.user.pk).exists()
    assert tables_mentioning(*_needles(zelie)) == {}
    entry = JournalEntry.objects.get(action="accounts.account_deleted")
    assert (entry.actor_id, entry.details) == (superuser.pk, {"reason": "staff"})
    assert not ModelLogEntry.objects.filter(label__icontains=zelie.email).exists()


def test_the_cms_bulk_deletion_goes_through_the_service(client, zelie, superuser):
    client.force_login(superuser)
    url = (
        reverse("wagtail_bulk_action", args=["accounts", "user", "delete"])
        + f"?id={zelie.user.pk}"
    )
    assert client.get(url).status_code == 200
    assert client.post(url).status_code == 302
    assert not get_user_model().objects.filter(pk=zelie.user.pk).exists()
    assert JournalEntry.objects.filter(
        action="accounts.account_deleted", actor_id=superuser.pk
    ).exists()
    assert tables_mentioning(*_needles(zelie)) == {}


def test_deleting_a_staff_member_keeps_the_roles_they_granted(
    superuser, django_capture_on_commit_callbacks
):
    epci = EPCIFactory()
    coordinator = RoleMembershipFactory(epci=epci).user
    RoleMembershipFactory(epci=epci)  # who stays to coordinate
    informer = UserFactory(email="informatrice@pij.fr")
    with django_capture_on_commit_callbacks(execute=True):
        role_invite(actor=coordinator, email=informer.email, role="informer", epci=epci)
    token = re.search(r"/espace/invitation/([\w-]+)/", mail.outbox[-1].body)[1]
    membership = role_invitation_accept(user=informer, token=token)

    account_delete(user=coordinator, actor=superuser, reason=DeletionReason.STAFF)
    membership.refresh_from_db()
    assert membership.granted_by is None
    assert membership.revoked_at is None
    assert not RoleMembership.objects.filter(user_id=coordinator.pk).exists()
    # The journal still says the grant happened, by account number.
    assert JournalEntry.objects.filter(
        action="accounts.role_invitation_sent", actor_id=coordinator.pk
    ).exists()

    # The informer's own deletion takes the invitation to her address with it.
    account_delete(user=informer, actor=superuser, reason=DeletionReason.STAFF)
    assert not RoleInvitation.objects.exists()
    assert tables_mentioning("informatrice@pij.fr") == {}


def test_nobody_deletes_someone_elses_account(zelie, maelys):
    with pytest.raises(AccountsError):
        account_delete(
            user=maelys.user, actor=zelie.user, reason=DeletionReason.OWN_REQUEST
        )
    assert get_user_model().objects.filter(pk=maelys.user.pk).exists()


def test_the_deletion_page_only_ever_deletes_ones_own_account(client, zelie, maelys):
    # No id in the URL: whatever is posted, it is the signed-in account that goes.
    client.post(DELETE, {"confirmation": "supprimer", "user": maelys.user.pk})
    assert not get_user_model().objects.filter(pk=zelie.user.pk).exists()
    assert get_user_model().objects.filter(pk=maelys.user.pk).exists()
    assert EmailAddress.objects.filter(email=maelys.email).exists()


def test_a_superuser_cannot_delete_their_own_account_from_my_data(client, superuser):
    client.force_login(superuser)
    response = client.post(DELETE, {"confirmation": "supprimer"})
    assert response.status_code == 400
    assert "demande à une autre personne" in page_text(response)
    assert get_user_model().objects.filter(pk=superuser.pk).exists()


def test_deleting_an_account_ends_all_its_sessions(client, zelie):
    from django.test import Client

    phone = Client()
    phone.force_login(zelie.user)
    assert UserSession.objects.filter(user_id=zelie.user.pk).count() == 2
    client.post(DELETE, {"confirmation": "supprimer"})
    assert not UserSession.objects.filter(user_id=zelie.user.pk).exists()
    assert phone.get(reverse("accounts:my-data")).status_code == 302


def test_the_last_coordinator_of_an_epci_keeps_her_account(
    client, site, superuser, django_assert_max_num_queries
):
    """As for revoking her role: the EPCI would be left without anyone to give
    roles. Told before the form, refused if sent anyway, by anyone."""
    epci, elsewhere = EPCIFactory(name="CC du Perche"), EPCIFactory()
    sole = RoleMembershipFactory(epci=epci, user__email="sophie@perche.fr").user
    RoleMembershipFactory(epci=elsewhere, user=sole)
    RoleMembershipFactory(epci=elsewhere)
    client.force_login(sole)
    refusal = (
        "sophie@perche.fr est la seule personne qui coordonne CC du Perche : ce "
        "compte ne peut pas être supprimé. Invite d'abord une autre personne à "
        "coordonner ce territoire ; quand elle aura accepté, le compte pourra être "
        "supprimé."
    )
    with django_assert_max_num_queries(9):
        page = page_text(client.get(DELETE))
    assert refusal in page
    assert "Supprimer mon compte pour de bon" not in page
    assert 'href="/espace/roles/"' in page
    response = client.post(DELETE, {"confirmation": "supprimer"})  # an old tab
    assert response.status_code == 400
    assert refusal in page_text(response)
    with pytest.raises(AccountsError, match="seule personne qui coordonne CC du"):
        account_delete(user=sole, actor=superuser, reason=DeletionReason.STAFF)
    assert get_user_model().objects.filter(pk=sole.pk).exists()
    assert RoleMembership.objects.active().filter(user=sole).count() == 2
    assert not JournalEntry.objects.filter(action="accounts.account_deleted").exists()

    # Once someone else coordinates the Perche, she may go.
    RoleMembershipFactory(epci=epci)
    assert "Supprimer mon compte pour de bon" in page_text(client.get(DELETE))
    assert client.post(DELETE, {"confirmation": "supprimer"}).status_code == 302
    assert not get_user_model().objects.filter(pk=sole.pk).exists()


def test_other_roles_and_revoked_coordinators_do_not_hold_an_account(superuser):
    epci = EPCIFactory()
    informer = RoleMembershipFactory(epci=epci, role=Role.INFORMER).user
    former = RoleMembershipFactory(epci=epci, revoked_at=timezone.now()).user
    for user in (informer, former):
        account_delete(user=user, actor=superuser, reason=DeletionReason.STAFF)
    assert not get_user_model().objects.filter(pk__in=[informer.pk, former.pk]).exists()


def _delete_in_djangos_admin(client, user, superuser):
    client.force_login(superuser)
    url = reverse("admin:accounts_user_delete", args=[user.pk])
    assert client.get(url).status_code == 200  # nothing said to block it
    return client.post(url, {"post": "yes"})


def _delete_in_the_cms(client, user, superuser):
    client.force_login(superuser)
    url = reverse("wagtailusers_users:delete", args=[user.pk])
    assert client.get(url).status_code == 200
    return client.post(url)


def _delete_herself(client, user, superuser):
    return client.post(DELETE, {"confirmation": "supprimer"})


@pytest.mark.parametrize(
    "delete",
    [_delete_herself, _delete_in_djangos_admin, _delete_in_the_cms],
    ids=["herself", "django-admin", "cms"],
)
def test_a_certified_learner_leaves_only_an_anonymous_certificate(
    client, zelie, maelys, superuser, delete
):
    certificate = certified(zelie)
    (identity,) = certificate.credential["credentialSubject"]["identifier"]
    user = zelie.user
    assert user.in_person_validations.count() >= 2
    assert user.passports.count() == 1
    visits = Visit.objects.count()
    assert Visit.objects.filter(passport__learner=user).count() == 1
    assert tables_mentioning(*_needles(zelie))

    # What goes with her, and what of the others' must stay.
    gone = {
        "assessments.attempt": user.attempts.count(),
        "assessments.servedquestion": ServedQuestion.objects.filter(
            attempt__learner=user
        ).count(),
        "assessments.attainment": user.attainments.count(),
        "assessments.passport": 1,
        "assessments.inpersonvalidation": user.in_person_validations.count(),
        "assessments.validationwithdrawal": 1,
        "assessments.visit": 0,
        "certificates.certificate": 0,
        "accounts.rolemembership": 0,
        "directory.helpplace": 0,
    }
    before = row_counts()

    assert delete(client, user, superuser).status_code == 302

    assert not get_user_model().objects.filter(pk=user.pk).exists()
    # Not even the salted hash of her address the signed badge carries: with the
    # salt beside it, whoever knows her address could tell the certificate was hers.
    assert tables_mentioning(*_needles(zelie), identity["identityHash"]) == {}
    assert {
        key: count
        for key, count in rows_linked_to(user).items()
        if count and key != "core.journalentry.actor"
    } == {}
    # The certificate stays as a tombstone that still verifies, without her.
    certificate.refresh_from_db()
    assert certificate.learner is None
    assert bytes(certificate.pdf) == b""
    assert certificate_verify(typed=certificate.code).state == State.VALID
    # The register keeps its line, linked to nothing.
    assert Visit.objects.count() == visits
    assert not Visit.objects.filter(passport__isnull=False).exists()
    # Everyone else's rows are all there (the informer's, Maëlys's).
    after = row_counts()
    assert {label: after[label] for label in gone} == {
        label: before[label] - count for label, count in gone.items()
    }
    assert tables_mentioning(*_needles(maelys))
