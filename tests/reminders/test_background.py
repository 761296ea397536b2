"""Background work at scale, in-process: chunked sweeps, senders that share the work
and stop on a time budget, and one bad row that never stops the others."""

import logging
import smtplib
from datetime import date, timedelta
from itertools import count

import psycopg
import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg.pq import TransactionStatus

from reminders import emails, services, tasks
from reminders.mailer import BackendTransport
from reminders.models import (
    ChunkState,
    DeadlineRule,
    DeadlineSweep,
    DeadlineSweepChunk,
    DeliveryStatus,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
)
from reminders.services import (
    deadlines_compute,
    deadlines_compute_many,
    deadlines_sweep,
    deadlines_sweep_chunk,
    deadlines_sweep_resume,
    reminders_dispatch,
    reminders_send_due,
    sending,
)
from tests.factories import LearnerProfileFactory

from .conftest import TODAY, make_rule
from .test_sending import paris

pytestmark = pytest.mark.django_db

MORNING = paris(date(2027, 1, 9), 10)


def learners(number: int, **profile) -> list:
    return [LearnerProfileFactory(**profile).user for _ in range(number)]


def calendars(users) -> set:
    return set(
        PersonalDeadline.objects.filter(learner__in=users).values_list(
            "learner_id", "rule_id", "opens_on", "closes_on"
        )
    )


# Computing many calendars at once


def test_many_calendars_cost_the_same_queries_as_a_few(rules):
    few, many = learners(3), learners(40)
    with CaptureQueriesContext(connection) as for_few:
        deadlines_compute_many(learner_ids=[u.pk for u in few], today=TODAY)
    with CaptureQueriesContext(connection) as for_many:
        deadlines_compute_many(learner_ids=[u.pk for u in many], today=TODAY)
    assert len(for_many) == len(for_few) <= 12
    # The same calendars as one learner at a time.
    alone = learners(1)[0]
    deadlines_compute(learner=alone, today=TODAY)
    shape = {(rule, o, c) for _, rule, o, c in calendars([alone])}
    assert {(rule, o, c) for _, rule, o, c in calendars(many[:1])} == shape
    assert len(calendars(many)) == 40 * len(shape)


def test_a_learner_whose_calendar_fails_is_logged_and_skipped(
    rules, monkeypatch, caplog
):
    good, bad = learners(3), learners(1, birth_date=date(2008, 2, 29))[0]
    deadlines_compute(learner=bad, today=TODAY)
    kept = calendars([bad])
    real = services.planning.occurrences_for

    def occurrences_for(*, birth_date, **kwargs):
        if birth_date == date(2008, 2, 29):
            raise ValueError("date impossible")
        return real(birth_date=birth_date, **kwargs)

    monkeypatch.setattr(services.planning, "occurrences_for", occurrences_for)
    with caplog.at_level(logging.INFO, logger="reminders"):
        counts = deadlines_compute_many(
            learner_ids=[bad.pk, *(u.pk for u in good)], today=TODAY
        )
    assert (counts.learners, counts.failed) == (3, 1)
    assert all(calendars([user]) for user in good)
    assert calendars([bad]) == kept  # left as it was, not emptied
    failure = next(r for r in caplog.records if r.levelno == logging.ERROR)
    assert str(bad.pk) in failure.getMessage()
    assert failure.exc_info is not None  # with its traceback


# The sweep: chunks of learners, each done once, lost ones found again


def test_the_sweep_cuts_learners_into_chunks_and_computes_them_all(
    rules, django_capture_on_commit_callbacks, caplog
):
    users = learners(7)
    with (
        caplog.at_level(logging.INFO, logger="reminders"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        sweep = deadlines_sweep(today=TODAY, chunk_size=3)
    sweep.refresh_from_db()
    assert (sweep.learners, sweep.chunks) == (7, 3)
    assert sweep.finished_at is not None
    chunks = list(sweep.chunk_rows.all())
    assert [c.state for c in chunks] == [ChunkState.DONE] * 3
    assert [c.learners_done for c in chunks] == [3, 3, 1]
    assert all(calendars([user]) for user in users)
    messages = [r.getMessage() for r in caplog.records]
    assert any("7 jeunes en 3 lots" in m for m in messages)
    assert sum("Lot " in m for m in messages) == 3

    # A chunk delivered twice is done once.
    before = calendars(users)
    assert deadlines_sweep_chunk(chunk_id=chunks[0].pk) == 0
    assert calendars(users) == before


def test_chunks_whose_message_was_lost_are_handed_out_again(
    rules, django_capture_on_commit_callbacks
):
    users = learners(5)
    sweep = deadlines_sweep(today=TODAY, chunk_size=2)  # on-commit never ran: lost
    assert not calendars(users)
    pending = DeadlineSweepChunk.objects.filter(sweep=sweep, state=ChunkState.PENDING)
    assert pending.count() == 3

    # Not yet: a chunk may simply be waiting in the queue.
    assert deadlines_sweep_resume(now=timezone.now()) == 0
    later = timezone.now() + timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert deadlines_sweep_resume(now=later) == 3
    assert not pending.exists()
    assert all(calendars([user]) for user in users)
    sweep.refresh_from_db()
    assert sweep.finished_at is not None


def test_a_chunk_that_never_finishes_is_given_up_and_logged(rules, caplog):
    learners(2)
    sweep = deadlines_sweep(today=TODAY, chunk_size=5)
    moment = timezone.now()
    for _ in range(3):
        moment += timedelta(minutes=11)
        assert deadlines_sweep_resume(now=moment) == 1  # its message lost each time
    moment += timedelta(minutes=11)
    with caplog.at_level(logging.INFO, logger="reminders"):
        assert deadlines_sweep_resume(now=moment) == 0
    chunk = sweep.chunk_rows.get()
    assert (chunk.state, chunk.resumes) == (ChunkState.FAILED, 4)
    assert "abandonné" in chunk.last_error
    assert any(r.levelno == logging.ERROR for r in caplog.records)
    sweep.refresh_from_db()
    assert sweep.finished_at is not None  # nothing left to wait for


def test_a_rule_change_in_the_cms_sweeps_through_chunks(
    rules, client, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    users = learners(2)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    rule = DeadlineRule.objects.get(code="SAN-AMELI18")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/cms/snippets/reminders/deadlinerule/delete/{rule.pk}/")
    sweep = DeadlineSweep.objects.get()
    assert (sweep.trigger, sweep.learners) == ("rule_change", 2)
    assert all(calendars([user]) for user in users)


# Senders: poison rows, time budget, fan-out


@pytest.fixture
def due_rows(site):
    """Forty learners, one reminder due each (J-1 of a rule closing 10 January)."""
    make_rule(
        "HIVER",
        timing="yearly",
        reminder_days="1",
        remind_on_opening=False,
        windows=[(date(2026, 12, 1), date(2027, 1, 10))],
    )
    users = learners(40)
    deadlines_compute_many(learner_ids=[u.pk for u in users], today=TODAY)
    rows = ReminderDelivery.objects.order_by("pk")
    assert rows.count() == 40
    return rows


def test_poison_rows_fail_alone_and_every_good_row_goes_out(
    due_rows, rules, monkeypatch, caplog
):
    rows = list(due_rows)
    # A template that fails for one rule's text, which one learner's reminder uses.
    template_victim = rows[3].learner
    broken = make_rule("CASSEE", timing="yearly", windows=[(TODAY, TODAY)])
    PersonalDeadline.objects.filter(pk=rows[3].deadline_id).update(rule=broken)
    real_render = emails.render_to_string

    def render_to_string(name, context, *args, **kwargs):
        if context["rule"].pk == broken.pk:
            raise ValueError("gabarit cassé")
        return real_render(name, context, *args, **kwargs)

    monkeypatch.setattr("reminders.emails.render_to_string", render_to_string)
    # A module unpublished since the reminder was planned: sent, without its link.
    unpublished = rows[10].deadline
    module = rules["SAN-AMELI18"].module
    module.unpublish()
    DeadlineRule.objects.filter(pk=unpublished.rule_id).update(module=module)
    # A learner whose profile is gone.
    rows[20].learner.learner_profile.delete()
    # A rule deleted: its reminders go with it.
    doomed = make_rule("DISPARUE", timing="yearly", windows=[(TODAY, TODAY)])
    PersonalDeadline.objects.create(
        learner=rows[30].learner, rule=doomed, opens_on=TODAY, closes_on=TODAY
    )
    doomed.delete()

    with caplog.at_level(logging.INFO, logger="reminders"):
        run = reminders_send_due(now=MORNING)
    assert (run.sent, run.failed) == (39, 1)
    assert len(mail.outbox) == 39
    poisoned = ReminderDelivery.objects.get(learner=template_victim)
    assert poisoned.status == DeliveryStatus.FAILED
    assert "gabarit cassé" in poisoned.last_error
    assert not ReminderDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    logged = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(logged) == 1 and logged[0].exc_info is not None
    assert str(poisoned.pk) in logged[0].getMessage()
    unpublished_mail = next(m for m in mail.outbox if m.to == [rows[10].learner.email])
    assert "/modules/" not in unpublished_mail.body


@pytest.mark.django_db(transaction=True)
def test_a_worker_sender_commits_each_reminder_on_its_own_in_two_round_trips(
    due_rows, monkeypatch
):
    """Outside any transaction, as in a worker, the sender's connection stays in a
    transaction between reminders: each outcome is still committed on its own, and
    the connection is left as it was found."""
    rows = list(due_rows)
    ReminderSettings.objects.update_or_create(
        learner=rows[0].learner, defaults={"enabled": False}
    )
    real_message = sending.reminder_message

    def reminder_message(delivery, **kwargs):
        if delivery.pk == rows[1].pk:
            raise ValueError("gabarit cassé")
        return real_message(delivery, **kwargs)

    monkeypatch.setattr(sending, "reminder_message", reminder_message)
    real_finish = BackendTransport.finish

    def finish(transport):
        if transport.pending.to == [rows[2].learner.email]:
            raise smtplib.SMTPServerDisconnected("coupure")
        real_finish(transport)

    monkeypatch.setattr(BackendTransport, "finish", finish)
    round_trips = count()
    real_wait = psycopg.Connection.wait

    def wait(self, *args, **kwargs):
        next(round_trips)
        return real_wait(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "wait", wait)

    run = reminders_send_due(now=MORNING)
    waits = next(round_trips)
    monkeypatch.undo()

    assert (run.sent, run.cancelled, run.deferred, run.failed) == (37, 1, 1, 1)
    assert connection.get_autocommit()
    assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    states = dict(ReminderDelivery.objects.values_list("pk", "status"))
    assert states[rows[0].pk] == DeliveryStatus.CANCELLED
    assert states[rows[1].pk] == DeliveryStatus.FAILED
    assert states[rows[2].pk] == DeliveryStatus.PENDING
    assert ReminderDelivery.objects.get(pk=rows[2].pk).due_at > MORNING
    assert list(states.values()).count(DeliveryStatus.SENT) == 37
    assert len(mail.outbox) == 37
    # A lock, then the mark with its commit: two per reminder, and a few per run.
    assert waits <= 2 * 40 + 15, waits


def test_a_sender_stops_on_its_time_budget_and_hands_over(due_rows, settings):
    ticks = count()
    run = reminders_send_due(now=MORNING, budget=5, clock=lambda: next(ticks))
    # The clock ticks once per row: the budget of 5 is spent after the fifth.
    assert run.exhausted and run.sent == 5
    assert len(mail.outbox) == 5

    # The task hands over to a fresh sender until everything is sent, once.
    settings.REMINDERS_SEND_BUDGET = 0.000001
    tasks.reminders_send_due(MORNING.isoformat())
    assert len(mail.outbox) == 40
    assert len({m.to[0] for m in mail.outbox}) == 40


def test_dispatch_wakes_one_sender_per_worker_process(due_rows, settings):
    settings.REMINDERS_SENDERS = 3
    assert reminders_dispatch(now=paris(date(2027, 1, 9), 22)) == 0  # quiet hours
    assert reminders_dispatch(now=paris(date(2026, 12, 1), 10)) == 0  # nothing due
    assert mail.outbox == []
    assert reminders_dispatch(now=MORNING) == 3
    assert len(mail.outbox) == 40
    assert len({m.to[0] for m in mail.outbox}) == 40


def test_senders_woken_together_are_dealt_different_reminders(due_rows):
    """Two senders reading the same rows would reach for the same ones and lose
    half their round trips to each other's locks."""
    shares = [set(services._due_batch_ids(MORNING, (index, 3))) for index in range(3)]
    assert all(shares)
    assert set.union(*shares) == {row.pk for row in due_rows}
    assert sum(map(len, shares)) == 40  # no row in two shares


def test_a_sender_whose_share_is_done_helps_with_the_rest(due_rows):
    # Sender 1 of 2 was never woken (or died): sender 0 sends its share too.
    run = reminders_send_due(now=MORNING, share=(0, 2))
    assert run.sent == 40
    assert len({m.to[0] for m in mail.outbox}) == 40


def test_a_sender_hands_over_with_its_share(due_rows, settings, monkeypatch):
    handed_over = []
    monkeypatch.setattr(
        tasks.reminders_send_due,
        "apply_async",
        lambda **options: handed_over.append(options),
    )
    settings.REMINDERS_SEND_BUDGET = 0.000001
    tasks.reminders_send_due(MORNING.isoformat(), share=1, shares=2)
    assert len(mail.outbox) == 1
    assert handed_over[0]["kwargs"] == {"share": 1, "shares": 2}


# The operators' page


def test_operators_see_the_state_of_reminders_and_retry_a_failure(
    due_rows, client, monkeypatch
):
    from core.models import JournalEntry
    from tests.factories import RoleMembershipFactory, UserFactory

    rows = list(due_rows)
    monkeypatch.setattr(
        "reminders.emails.render_to_string",
        lambda *a, **k: (_ for _ in ()).throw(ValueError("gabarit cassé")),
    )
    reminders_send_due(now=MORNING)  # every row fails to be prepared
    monkeypatch.undo()
    refused = rows[0]
    ReminderDelivery.objects.filter(pk=refused.pk).update(failure="refused")

    url = "/cms/exploitation/"
    for outsider in (
        UserFactory(),
        RoleMembershipFactory().user,  # a coordinator
        UserFactory(is_staff=True),
    ):
        client.force_login(outsider)
        response = client.get(url)
        assert response.status_code in (302, 403)
        assert client.post(url, {"delivery": rows[1].pk}).status_code in (302, 403)
    assert ReminderDelivery.objects.get(pk=rows[1].pk).status == DeliveryStatus.FAILED

    operator = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(operator)
    page = client.get(url).content.decode()
    assert "En échec : <strong>" not in page and "En échec : 40" in page
    assert "message impossible à préparer" in page
    assert f"n°{rows[1].learner_id}" in page
    assert rows[1].learner.email not in page  # the learner stays behind an id
    assert page.count(">Renvoyer</button>") == 39  # not the refused address

    for bad in ("abc", "99999999999999999999999", str(refused.pk), ""):
        response = client.post(url, {"delivery": bad}, follow=True)
        assert "ne peut pas être renvoyé" in response.content.decode()
    response = client.post(url, {"delivery": rows[1].pk}, follow=True)
    assert f"Le rappel n°{rows[1].pk} repart" in response.content.decode()
    again = ReminderDelivery.objects.get(pk=rows[1].pk)
    assert (again.status, again.attempts, again.failure) == ("pending", 0, "")
    entry = JournalEntry.objects.get(action="reminders.delivery_retried")
    assert entry.actor == operator and entry.details == {"failure": "preparation"}
    tomorrow_morning = timezone.localtime().replace(hour=10) + timedelta(days=1)
    reminders_send_due(now=tomorrow_morning)
    assert [m.to for m in mail.outbox] == [[rows[1].learner.email]]
