"""Unused accounts: one warning e-mail 30 days before, then the deletion, through
the same service as a deletion asked for. Run twice, one effect; one bad account
does not stop the others."""

import logging
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts import tasks
from accounts.models import InactivityWarning, User
from accounts.services import inactive_accounts_purge
from assessments.models import Attainment
from core.models import JournalEntry
from tests.factories import LearnerProfileFactory, RoleMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()
KEEP = settings.INACTIVE_ACCOUNT_DELETE_AFTER_DAYS  # 730
NOTICE = settings.INACTIVE_ACCOUNT_NOTICE_DAYS  # 30


def days_ago(days: int):
    return NOW - timedelta(days=days)


def account(email: str, *, last_login_days: int | None, joined_days: int = 1000, **kw):
    user = UserFactory(email=email, **kw)
    user.date_joined = days_ago(joined_days)
    user.last_login = None if last_login_days is None else days_ago(last_login_days)
    user.save(update_fields=["date_joined", "last_login"])
    return user


def failures(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def exists(user) -> bool:
    return User.objects.filter(pk=user.pk).exists()


@pytest.fixture
def accounts(db):
    return {
        # Unused for more than two years: warned first, not deleted yet.
        "old": account("vieux@exemple.fr", last_login_days=800),
        # Within the 30 days before the limit: warned.
        "soon": account("bientot@exemple.fr", last_login_days=KEEP - NOTICE + 10),
        # Never logged in, joined long ago: warned.
        "never": account("jamais@exemple.fr", last_login_days=None, joined_days=750),
        # Used this year: left alone.
        "recent": account("recent@exemple.fr", last_login_days=200),
        # Staff and role holders are closed by a person, never by the purge.
        "staff": account("equipe@exemple.fr", last_login_days=900, is_staff=True),
        "coordinator": RoleMembershipFactory(
            user=account("coord@exemple.fr", last_login_days=900)
        ).user,
    }


def test_the_warning_goes_once_in_french_with_the_link_to_keep_the_account(
    accounts, site
):
    report = inactive_accounts_purge(now=NOW)
    assert (report.warned, report.deleted, report.failed) == (3, 0, 0)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "bientot@exemple.fr",
        "jamais@exemple.fr",
        "vieux@exemple.fr",
    ]
    message = next(m for m in mail.outbox if m.to == ["vieux@exemple.fr"])
    deletion_on = timezone.localdate(NOW + timedelta(days=NOTICE))
    assert message.subject.startswith("[Majorité prête] Ton compte sera supprimé le ")
    assert str(deletion_on.year) in message.subject
    assert "Connecte-toi simplement avant cette date" in message.body
    assert f"{settings.SITE_URL}/compte/login/" in message.body
    assert f"{settings.SITE_URL}/compte/mes-donnees/" in message.body
    assert InactivityWarning.objects.count() == 3

    # Run again (the task every night, a retried message): no second e-mail.
    again = inactive_accounts_purge(now=NOW + timedelta(days=1))
    assert (again.warned, again.deleted) == (0, 0)
    assert len(mail.outbox) == 3
    assert all(exists(user) for user in accounts.values())


def test_accounts_are_deleted_30_days_after_the_warning_not_before(accounts, site):
    inactive_accounts_purge(now=NOW)
    early = inactive_accounts_purge(now=NOW + timedelta(days=NOTICE - 1))
    assert early.deleted == 0
    assert all(exists(user) for user in accounts.values())

    report = inactive_accounts_purge(now=NOW + timedelta(days=NOTICE))
    assert report.deleted == 3
    for name in ("old", "soon", "never"):
        assert not exists(accounts[name])
    for name in ("recent", "staff", "coordinator"):
        assert exists(accounts[name])
    deletions = JournalEntry.objects.filter(action="accounts.account_deleted")
    assert deletions.count() == 3
    assert {e.details["reason"] for e in deletions} == {"inactivity"}
    assert {e.actor_id for e in deletions} == {None}

    twice = inactive_accounts_purge(now=NOW + timedelta(days=NOTICE))
    assert (twice.warned, twice.deleted, twice.failed) == (0, 0, 0)
    assert deletions.count() == 3


def test_a_login_after_the_warning_keeps_the_account(accounts, site):
    inactive_accounts_purge(now=NOW)
    old = accounts["old"]
    old.last_login = NOW + timedelta(days=5)
    old.save(update_fields=["last_login"])
    inactive_accounts_purge(now=NOW + timedelta(days=NOTICE + 1))
    assert exists(old)
    # Two years later without login, it gets a new warning before anything else.
    mail.outbox.clear()
    later = NOW + timedelta(days=5 + KEEP - NOTICE)
    inactive_accounts_purge(now=later)
    assert ["vieux@exemple.fr"] in [m.to for m in mail.outbox]
    assert exists(old)


def test_an_account_never_warned_is_not_deleted_without_notice(site):
    """Accounts already far beyond the limit when the purge starts get their 30 days
    too."""
    user = account("tres-vieux@exemple.fr", last_login_days=2000)
    assert inactive_accounts_purge(now=NOW).deleted == 0
    assert exists(user)
    InactivityWarning.objects.filter(user=user).update(sent_at=days_ago(1000))
    # A warning sent before the last login does not count.
    user.last_login = days_ago(900)
    user.save(update_fields=["last_login"])
    report = inactive_accounts_purge(now=NOW)
    assert (report.deleted, report.warned) == (0, 1)


def test_one_failing_account_is_logged_and_the_others_go_on(
    accounts, site, smtp_sink, caplog
):
    smtp_sink.handler.refuse["bientot@exemple.fr"] = "550 Boîte inconnue"
    with caplog.at_level(logging.ERROR, logger="accounts.services"):
        report = inactive_accounts_purge(now=NOW, batch_size=2)
    assert (report.warned, report.failed) == (2, 1)
    assert sorted(m["To"] for m in smtp_sink.messages) == [
        "jamais@exemple.fr",
        "vieux@exemple.fr",
    ]
    assert not InactivityWarning.objects.filter(user=accounts["soon"]).exists()
    (record,) = failures(caplog)
    assert record.exc_info is not None
    assert f"Compte {accounts['soon'].pk}" in record.getMessage()

    # Next night the server accepts it: warned then, and only then.
    smtp_sink.handler.refuse.clear()
    assert inactive_accounts_purge(now=NOW + timedelta(days=1)).warned == 1


def test_an_account_that_cannot_be_deleted_does_not_stop_the_batch(
    accounts, site, content, caplog
):
    """A poison account: her quiz is (wrongly) the proof of someone else's
    attainment, which the database refuses to lose."""
    from tests.accounts.people import learner_with_everything

    poison = learner_with_everything(
        email="poison@exemple.fr",
        first_name="Poison",
        birth_date=timezone.localdate() - timedelta(days=17 * 365),
        commune="Nogent-le-Rotrou",
    ).user
    other = LearnerProfileFactory().user
    attainment = Attainment.objects.filter(learner=poison).first()
    Attainment.objects.create(
        learner=other,
        competency=attainment.competency,
        framework=attainment.framework,
        source=attainment.source,
        attained_at=NOW,
        attempt=attainment.attempt,
    )
    User.objects.filter(pk=poison.pk).update(last_login=days_ago(800))
    inactive_accounts_purge(now=NOW)

    with caplog.at_level(logging.ERROR, logger="accounts.services"):
        report = inactive_accounts_purge(now=NOW + timedelta(days=NOTICE), batch_size=2)
    assert (report.deleted, report.failed) == (3, 1)
    assert exists(poison)
    assert not exists(accounts["old"]) and not exists(accounts["never"])
    (record,) = failures(caplog)
    assert f"Compte {poison.pk}" in record.getMessage()
    # Nothing half-done for the poison account: still whole, not journaled.
    assert poison.attempts.exists()
    assert not JournalEntry.objects.filter(
        action="accounts.account_deleted", target_id=str(poison.pk)
    ).exists()


def test_the_nightly_task_and_the_command_run_the_same_service(accounts, site):
    schedule = settings.CELERY_BEAT_SCHEDULE["inactive-accounts-purge"]
    assert schedule["task"] == "accounts.tasks.inactive_accounts_purge"
    assert tasks.inactive_accounts_purge(now=NOW.isoformat()) == {
        "warned": 3,
        "deleted": 0,
        "failed": 0,
    }
    assert tasks.inactive_accounts_purge(now=NOW.isoformat())["warned"] == 0
    call_command("purge_inactive_accounts")
    assert len(mail.outbox) == 3


def test_expired_sessions_are_cleared_every_night(client, user):
    from accounts.models import UserSession

    client.force_login(user)
    UserSession.objects.update(expire_date=days_ago(1))
    assert settings.CELERY_BEAT_SCHEDULE["sessions-clear-expired"]["task"] == (
        "accounts.tasks.sessions_clear_expired"
    )
    tasks.sessions_clear_expired()
    assert not UserSession.objects.exists()
