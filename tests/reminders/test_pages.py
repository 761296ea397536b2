from datetime import date, timedelta

import icalendar
import pytest
import vobject
from django.urls import reverse
from django.utils import timezone

from core.formatting import duration_until
from reminders.models import PersonalDeadline, ReminderSettings
from reminders.selectors import feed_deadline_list
from reminders.services import deadlines_compute
from tests.factories import LearnerProfileFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, rules, learner):
    client.force_login(learner)
    return learner


def test_planning_page(client, logged_in):
    response = client.get(reverse("reminders:planning"))
    text = page_text(response)
    assert response.status_code == 200
    assert "Mon planning" in text
    assert "Créer ton compte ameli" in text or "ameli" in text
    assert "Tes dates à toi" in text
    assert "/planning/agenda/" in text
    # Computed on the first visit, once.
    count = PersonalDeadline.objects.filter(learner=logged_in).count()
    assert count > 0
    client.get(reverse("reminders:planning"))
    assert PersonalDeadline.objects.filter(learner=logged_in).count() == count


def test_missed_deadline_shows_its_remedy_kindly(client, logged_in):
    today = timezone.localdate()
    deadlines_compute(learner=logged_in, today=today)
    deadline = PersonalDeadline.objects.filter(learner=logged_in).first()
    PersonalDeadline.objects.filter(pk=deadline.pk).update(
        opens_on=today - timedelta(days=30), closes_on=today - timedelta(days=3)
    )
    text = page_text(client.get(reverse("reminders:planning")))
    assert "À rattraper" in text
    assert "Pas de panique : voici comment rattraper." in text
    assert deadline.rule.remedy[:40] in text


def test_upcoming_deadline_says_in_how_many_days(client, logged_in):
    today = timezone.localdate()
    deadlines_compute(learner=logged_in, today=today)
    deadline = PersonalDeadline.objects.filter(learner=logged_in).first()
    PersonalDeadline.objects.filter(pk=deadline.pk).update(
        opens_on=today - timedelta(days=1), closes_on=today + timedelta(days=12)
    )
    assert "dans 12 jours" in page_text(client.get(reverse("reminders:planning")))


def test_event_date_form(client, logged_in):
    url = reverse("reminders:planning")
    response = client.post(url, {"moving_in": "15/01/2027"}, follow=True)
    assert "ton planning est à jour" in page_text(response)
    codes = set(
        PersonalDeadline.objects.filter(learner=logged_in).values_list(
            "rule__code", flat=True
        )
    )
    assert {"AS-HAB", "CAF-APL"} <= codes


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("31/02/2027", "jj/mm/aaaa"),
        ("pas une date", "jj/mm/aaaa"),
        ("01/01/1990", "trop ancienne"),
        ("01/01/2090", "trop lointaine"),
    ],
)
def test_event_date_bad_input(client, logged_in, value, message):
    response = client.post(reverse("reminders:planning"), {"id_card_expiry": value})
    assert response.status_code == 400
    assert message in page_text(response)
    assert not logged_in.events.exists()


def test_mark_done_from_the_page(client, logged_in):
    client.get(reverse("reminders:planning"))
    deadline = PersonalDeadline.objects.filter(learner=logged_in).first()
    url = reverse("reminders:deadline-done", args=[deadline.pk])
    assert client.get(url).status_code == 405
    response = client.post(url, {"done": "1"}, follow=True)
    assert "Bravo" in page_text(response)
    deadline.refresh_from_db()
    assert deadline.done_at is not None
    other = LearnerProfileFactory().user
    client.force_login(other)
    assert client.post(url, {"done": "0"}).status_code == 404


def test_planning_queries_do_not_grow(client, logged_in, django_assert_max_num_queries):
    client.get(reverse("reminders:planning"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first:
        client.get(reverse("reminders:planning"))
    client.post(reverse("reminders:planning"), {"moving_in": "15/01/2027"})
    client.post(reverse("reminders:planning"), {"id_card_expiry": "15/06/2027"})
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("reminders:planning"))
    assert len(second) == len(first)
    with django_assert_max_num_queries(15):
        client.get(reverse("reminders:planning"))


def test_planning_needs_a_learner(client, site):
    response = client.get(reverse("reminders:planning"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def _feed(client, learner):
    token = ReminderSettings.objects.get(learner=learner).feed_token
    return client.get(reverse("reminders:feed", args=[token]))


def test_ical_feed_parses_in_two_libraries(client, logged_in):
    client.get(reverse("reminders:planning"))
    client.logout()  # the feed's secret address needs no session
    response = _feed(client, logged_in)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content
    # Missed deadlines closed more than a month ago stay on the page, not in the feed.
    deadlines = feed_deadline_list(learner=logged_in, today=timezone.localdate())

    parsed = icalendar.Calendar.from_ical(body)
    events = parsed.walk("VEVENT")
    assert len(events) == deadlines.count()
    uids = {str(event["UID"]) for event in events}
    assert len(uids) == len(events)
    first = deadlines.order_by("closes_on").first()
    event = next(e for e in events if str(e["UID"]).startswith(f"echeance-{first.pk}@"))
    assert event.decoded("DTSTART") == first.closes_on
    assert event.decoded("DTEND") == first.closes_on + timedelta(days=1)
    assert first.rule.title in str(event["SUMMARY"])
    assert "Si c'est manqué" in str(event["DESCRIPTION"])
    assert event.walk("VALARM")

    card = vobject.readOne(body.decode())
    assert len(card.vevent_list) == deadlines.count()
    assert {v.uid.value for v in card.vevent_list} == uids

    # The same occurrence keeps its UID from one download to the next.
    assert {
        str(e["UID"])
        for e in icalendar.Calendar.from_ical(_feed(client, logged_in).content).walk(
            "VEVENT"
        )
    } == uids


def test_regenerated_feed_address_retires_the_old_one(client, logged_in):
    client.get(reverse("reminders:planning"))
    old = ReminderSettings.objects.get(learner=logged_in).feed_token
    response = client.post(reverse("reminders:feed-regenerate"), follow=True)
    assert "l'ancienne ne marche plus" in page_text(response)
    new = ReminderSettings.objects.get(learner=logged_in).feed_token
    assert new != old
    assert client.get(reverse("reminders:feed", args=[old])).status_code == 404
    assert client.get(reverse("reminders:feed", args=[new])).status_code == 200


@pytest.mark.parametrize("token", ["x", "%00", "a" * 300, "../../etc/passwd"])
def test_malformed_feed_token_is_404(client, db, token):
    assert client.get(f"/planning/agenda/{token}.ics").status_code == 404


def test_one_click_unsubscribe(client, logged_in):
    from reminders.emails import unsubscribe_token

    url = reverse("reminders:unsubscribe", args=[unsubscribe_token(learner=logged_in)])
    client.logout()
    page = client.get(url)
    assert "Ne plus recevoir de rappels" in page_text(page)
    assert ReminderSettings.objects.filter(learner=logged_in, enabled=True).count() in (
        0,
        1,
    )
    # As a mail client does it (RFC 8058): a POST without session or CSRF token.
    from django.test import Client

    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        url,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert not ReminderSettings.objects.get(learner=logged_in).enabled


def test_forged_unsubscribe_link_is_refused(client, logged_in):
    client.get(reverse("reminders:planning"))
    response = client.post(reverse("reminders:unsubscribe", args=["12:faux:lien"]))
    assert response.status_code == 400
    assert "n'est pas valide" in page_text(response)
    assert ReminderSettings.objects.get(learner=logged_in).enabled


def test_preferences_page(client, logged_in):
    url = reverse("reminders:preferences")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"enabled": "on", "days_before": ["7"], "concerns": ["job_seeker"]}
    )
    assert response.status_code == 302
    settings = ReminderSettings.objects.get(learner=logged_in)
    assert (settings.days_before, settings.remind_on_opening) == ([7], False)
    assert PersonalDeadline.objects.filter(
        learner=logged_in, rule__code="FT-ACTU"
    ).exists()
    response = client.post(url, {"days_before": ["12"], "concerns": ["astronaute"]})
    assert response.status_code == 400
    assert "Choisis parmi" in page_text(response)
    assert ReminderSettings.objects.get(learner=logged_in).days_before == [7]


def test_date_today_reference():
    # The calendar tests use a fixed "today"; this one guards the fixture itself.
    from .conftest import TODAY

    assert TODAY == date(2026, 11, 26)


def test_upcoming_window_reads_in_plain_french(client, logged_in):
    today = timezone.localdate()
    deadlines_compute(learner=logged_in, today=today)
    deadline = PersonalDeadline.objects.filter(learner=logged_in).first()
    opens = date(today.year + 2, 1, 1)
    PersonalDeadline.objects.filter(pk=deadline.pk).update(
        opens_on=opens, closes_on=date(today.year + 2, 3, 1)
    )
    text = page_text(client.get(reverse("reminders:planning")))
    assert f"Du 1er janvier {today.year + 2} au 1er mars {today.year + 2}" in text
    # Django's « 1 année, 1 mois » becomes months.
    assert f"ouvre {duration_until(opens, today)}." in text
    assert "dans 1 année" not in text and "an," not in text
