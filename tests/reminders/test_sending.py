import re
from datetime import date, datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from reminders import tasks
from reminders.emails import ReminderTexts, reminder_message, unsubscribe_url
from reminders.models import (
    DeadlineRule,
    DeliveryStatus,
    ReminderDelivery,
    ReminderSettings,
    Timing,
)
from reminders.services import (
    deadlines_compute,
    reminders_send_due,
    reminders_unsubscribe,
)
from tests.factories import LearnerProfileFactory

from .conftest import TODAY, make_rule

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


def paris(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def due(learner, site):
    """One rule closing on 10 January 2027, with reminders at J-7 and J-1."""
    make_rule(
        "HIVER",
        title="Renvoyer le formulaire",
        timing=Timing.YEARLY,
        reminder_days="7,1",
        remind_on_opening=False,
        windows=[(date(2026, 12, 1), date(2027, 1, 10))],
    )
    deadlines_compute(learner=learner, today=TODAY)
    return ReminderDelivery.objects.order_by("due_at")


def send(now) -> int:
    """How many reminders one sender sent at that moment."""
    return reminders_send_due(now=now).sent


def test_due_reminders_are_sent_once(due, learner):
    morning = paris(date(2027, 1, 3), 9, 5)
    assert send(morning) == 1
    assert send(morning) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [learner.email]
    assert "Renvoyer le formulaire" in message.subject
    assert "dimanche 10 janvier 2027" in message.subject
    assert "Pas de panique : tu peux la faire plus tard." in message.body
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    assert "/rappels/desinscription/" in message.extra_headers["List-Unsubscribe"]
    html = message.alternatives[0].content
    assert "Et si c'est manqué ?" in html
    assert [d.status for d in due] == [DeliveryStatus.SENT, DeliveryStatus.PENDING]


def test_learners_sharing_a_reminder_each_get_their_own_name_and_link(due, learner):
    """One text per reminder is rendered per run, then filled in for each learner."""
    other = LearnerProfileFactory(
        birth_date=date(2009, 3, 10), user__first_name="Zoé & <Léa>"
    ).user
    deadlines_compute(learner=other, today=TODAY)
    assert send(paris(date(2027, 1, 3), 9, 5)) == 2
    by_learner = {message.to[0]: message for message in mail.outbox}
    mine, theirs = by_learner[learner.email], by_learner[other.email]
    assert f"Bonjour {learner.first_name}," in mine.body
    assert "Bonjour Zoé & <Léa>," in theirs.body
    assert "Bonjour Zoé &amp; &lt;Léa&gt;," in theirs.alternatives[0].content
    assert "<Léa>" not in theirs.alternatives[0].content
    for message, person in ((mine, learner), (theirs, other)):
        # The link is signed with the time: the same in the header and both parts,
        # and it unsubscribes this learner.
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        assert link.startswith(unsubscribe_url(learner=person).rsplit(":", 2)[0])
        assert link in message.body and link in message.alternatives[0].content
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert reminders_unsubscribe(token=token).learner == person
    assert mine.subject == theirs.subject


def readable(data: bytes):
    return message_from_bytes(data, policy=policy.default)


def parts(message) -> list[tuple[str, str]]:
    return [
        (part.get_content_type(), part.get_content()) for part in message.iter_parts()
    ]


def subject_line(data: bytes) -> bytes:
    return re.search(rb"^Subject: .*?\r\n(?! )", data, re.MULTILINE | re.DOTALL)[0]


def body(data: bytes) -> bytes:
    boundary = re.search(rb'boundary="([^"]+)"', data)[1]
    return data.split(b"\r\n\r\n", 1)[1].replace(boundary, b"BOUNDARY")


@pytest.mark.parametrize(
    "title",
    [
        "Renvoyer le formulaire",
        # Non-ASCII and long: the subject is encoded, then folded over lines.
        "Déclarer ses revenus à l'administration fiscale pour la première fois, "
        "même sans revenu, même en apprentissage",
    ],
)
def test_the_shared_form_sent_over_smtp_reads_as_the_message_built_alone(
    due, learner, title
):
    """Over SMTP a reminder goes out as the MIME form shared by every learner who
    gets the same text, filled in: it must read exactly as the message Django
    builds for this learner alone."""
    DeadlineRule.objects.update(title=title)
    other = LearnerProfileFactory(
        birth_date=date(2009, 3, 10), user__first_name="Zoé & <Léa> =?utf-8?"
    ).user
    deadlines_compute(learner=other, today=TODAY)
    texts = ReminderTexts()
    deliveries = ReminderDelivery.objects.filter(offset="J-7").select_related(
        "deadline__rule", "learner"
    )
    assert len(deliveries) == 2
    for delivery in deliveries:
        message = reminder_message(delivery, texts=texts)
        assert message.shared_form is not None
        shared = readable(message.as_bytes())
        alone = readable(message.message().as_bytes(linesep="\r\n"))
        for header in ("Subject", "From", "To", "Message-ID", "List-Unsubscribe"):
            assert shared[header].strip() == alone[header].strip()
        assert shared["To"] == delivery.learner.email
        assert title in shared["Subject"]
        assert parts(shared) == parts(alone)
        # The subject as folded and the parts byte for byte (the boundary aside,
        # which Django draws at random).
        built = message.message().as_bytes(linesep="\r\n")
        assert subject_line(message.as_bytes()) == subject_line(built)
        assert (b"\r\n " in subject_line(built)) == (len(title) > 60)  # folded
        assert body(message.as_bytes()) == body(built)
    assert "Bonjour Zoé & <Léa> =?utf-8?," in message.body


def test_a_text_with_a_very_long_line_is_built_and_encoded_by_django(
    learner, site, smtp_sink
):
    make_rule(
        "LONGUE",
        title="Lire la notice",
        timing=Timing.YEARLY,
        reminder_days="7",
        remind_on_opening=False,
        what_to_do="Lis la notice jusqu'au bout, sans te presser. " * 30,
        windows=[(date(2026, 12, 1), date(2027, 1, 10))],
    )
    deadlines_compute(learner=learner, today=TODAY)
    delivery = ReminderDelivery.objects.select_related("deadline__rule", "learner")
    message = reminder_message(delivery.get())
    assert message.shared_form is None  # the part needs quoted-printable
    assert send(paris(date(2027, 1, 3), 10)) == 1
    received = smtp_sink.messages[0]
    text = received.get_payload()[0]
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    body = text.get_payload(decode=True).decode()
    assert "Lis la notice jusqu'au bout, sans te presser. " * 30 in body
    assert f"Bonjour {learner.first_name}," in body


def test_task_run_twice_sends_one_email(due):
    now = paris(date(2027, 1, 3), 10).isoformat()
    tasks.reminders_send_due(now)
    tasks.reminders_send_due(now)
    assert len(mail.outbox) == 1


def test_nothing_is_sent_between_21h_and_8h(due):
    assert send(paris(date(2027, 1, 3), 21, 0)) == 0
    assert send(paris(date(2027, 1, 4), 7, 59)) == 0
    assert mail.outbox == []
    assert send(paris(date(2027, 1, 4), 8, 0)) == 1


def test_unwanted_offset_and_disabled_reminders_are_cancelled(due, learner):
    settings = ReminderSettings.objects.get(learner=learner)
    settings.days_before = [30, 1]
    settings.save()
    send(paris(date(2027, 1, 9), 10))
    j7, j1 = due
    assert (j7.status, j1.status) == (DeliveryStatus.CANCELLED, DeliveryStatus.SENT)
    assert len(mail.outbox) == 1

    ReminderDelivery.objects.filter(pk=j1.pk).update(status=DeliveryStatus.PENDING)
    settings.enabled = False
    settings.save()
    send(paris(date(2027, 1, 9), 11))
    assert len(mail.outbox) == 1


def test_real_smtp_delivery(due, smtp_sink, learner):
    assert send(paris(date(2027, 1, 9), 10)) == 2
    assert len(smtp_sink.messages) == 2
    message = smtp_sink.messages[0]
    assert message["To"] == learner.email
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"].startswith("<rappel-")
    assert message.is_multipart()


def test_transient_failure_is_retried_with_backoff(due, smtp_sink, learner):
    smtp_sink.handler.refuse[learner.email] = "451 4.3.0 Essayez plus tard"
    now = paris(date(2027, 1, 3), 10)
    assert send(now) == 0
    delivery = due.first()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert "451" in delivery.last_error
    assert delivery.due_at == now + timedelta(minutes=2)
    assert send(now + timedelta(minutes=1)) == 0  # backing off
    del smtp_sink.handler.refuse[learner.email]
    assert send(now + timedelta(minutes=2)) == 1
    assert len(smtp_sink.messages) == 1


def test_permanent_failure_stops_trying_the_address(due, smtp_sink, learner):
    smtp_sink.handler.refuse[learner.email] = "550 5.1.1 Boîte inconnue"
    send(paris(date(2027, 1, 3), 10))
    first = due.first()
    assert first.status == DeliveryStatus.FAILED
    assert ReminderSettings.objects.get(learner=learner).email_failing_since
    del smtp_sink.handler.refuse[learner.email]
    send(paris(date(2027, 1, 9), 10))
    assert smtp_sink.messages == []
    assert due.last().status == DeliveryStatus.CANCELLED


def test_smtp_server_down_keeps_reminders_pending(due, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1
    settings.EMAIL_TIMEOUT = 2
    assert send(paris(date(2027, 1, 3), 10)) == 0
    delivery = due.first()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
