from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from demo.content import curriculum_load
from demo.deadlines import deadline_rules_load
from reminders.models import ReminderSettings
from tests.factories import LearnerProfileFactory

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def learner(site, perche):
    curriculum_load(home=site, now=timezone.now())
    deadline_rules_load()
    return LearnerProfileFactory(user__first_name="Lina").user


def test_learner_adds_a_moving_in_date_and_copies_the_feed(page, learner, live_server):
    page.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    log_in(page, learner.email, "Mot-de-passe-solide-42")
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mon planning"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon planning")
    assert serious_violations(page) == []
    assert fits_phone_width(page)
    insurance = page.get_by_role("heading", name="Assurer ton logement", exact=False)
    housing_aid = page.get_by_role("heading", name="Demander ton aide au logement")
    expect(insurance).to_have_count(0)

    moving_in = timezone.localdate() + timedelta(days=45)
    page.get_by_label("Emménagement dans un logement").fill(moving_in.isoformat())
    page.get_by_role("button", name="Mettre à jour mon planning").click()
    expect(page.get_by_text("ton planning est à jour")).to_be_visible()
    expect(insurance).to_be_visible()
    expect(housing_aid).to_be_visible()
    assert serious_violations(page) == []

    page.get_by_role("button", name="Copier l'adresse").click()
    expect(page.get_by_role("status").filter(has_text="Adresse copiée")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    token = ReminderSettings.objects.get(learner=learner).feed_token
    assert copied.endswith(f"/planning/agenda/{token}.ics")
    response = page.request.get(copied)
    assert response.status == 200
    assert "BEGIN:VCALENDAR" in response.text()


def test_without_javascript_no_copy_button_that_does_nothing(page_without_js, learner):
    page = page_without_js
    log_in(page, learner.email, "Mot-de-passe-solide-42")
    page.goto("/planning/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon planning")
    expect(page.locator("#adresse-agenda")).to_be_visible()  # to copy by hand
    expect(page.get_by_role("button", name="Copier l'adresse")).to_be_hidden()
