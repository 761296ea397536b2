"""Every staff read of a learner's record goes to the journal (who, when, which
record), as the privacy notice says."""

import pytest
from django.urls import reverse

from core.models import JournalEntry
from reminders.models import DeliveryFailure, DeliveryStatus, ReminderDelivery
from reminders.services import reminder_delivery_retry
from tests.factories import LearnerProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def profile(db):
    return LearnerProfileFactory()


def _views():
    return JournalEntry.objects.filter(action="accounts.learner_record_viewed")


@pytest.mark.parametrize(
    ("url_name", "target"),
    [
        ("admin:accounts_user_change", "user"),
        ("admin:accounts_learnerprofile_change", "profile"),
    ],
)
def test_opening_a_record_in_djangos_admin_is_journaled(
    client, superuser, profile, url_name, target
):
    record = profile.user if target == "user" else profile
    client.force_login(superuser)
    response = client.get(reverse(url_name, args=[record.pk]))
    assert response.status_code == 200
    (entry,) = _views()
    assert entry.actor_id == superuser.pk
    assert (entry.target_type, entry.target_id) == (
        record._meta.label_lower,
        str(record.pk),
    )
    assert entry.details == {"via": "django-admin"}


def test_opening_an_account_in_the_cms_is_journaled(client, superuser, profile):
    client.force_login(superuser)
    url = reverse("wagtailusers_users:edit", args=[profile.user.pk])
    assert client.get(url).status_code == 200
    (entry,) = _views()
    assert (entry.actor_id, entry.target_id) == (superuser.pk, str(profile.user.pk))
    assert entry.details == {"via": "cms"}


def test_the_learner_sees_who_opened_her_record(client, superuser, profile):
    client.force_login(superuser)
    client.get(reverse("admin:accounts_learnerprofile_change", args=[profile.pk]))
    client.force_login(profile.user)
    response = client.get(reverse("accounts:my-data-download"))
    journal = response.json()["journal"]
    assert [(e["action"], e["par"]) for e in journal] == [
        ("accounts.learner_record_viewed", f"compte n°{superuser.pk}")
    ]


def test_a_missing_record_journals_nothing(client, superuser):
    client.force_login(superuser)
    response = client.get(reverse("admin:accounts_user_change", args=[999999]))
    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert not _views().exists()


def test_what_staff_did_to_her_rows_is_in_her_journal(client, superuser, zelie):
    """An operator re-sending one of her reminders acts on her data: the entry
    (target: the reminder) is in her export, with the operator's number."""
    delivery = ReminderDelivery.objects.filter(learner=zelie.user).first()
    delivery.status, delivery.failure = DeliveryStatus.FAILED, DeliveryFailure.EXHAUSTED
    delivery.save()
    reminder_delivery_retry(actor=superuser, delivery_id=delivery.pk)
    journal = client.get(reverse("accounts:my-data-download")).json()["journal"]
    (entry,) = [e for e in journal if e["action"] == "reminders.delivery_retried"]
    assert entry["par"] == f"compte n°{superuser.pk}"
    assert entry["objet"] == f"reminders.reminderdelivery n°{delivery.pk}"
