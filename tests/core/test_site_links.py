"""Every absolute link the site sends (e-mails, calendar feed, CMS e-mails) starts
with its public address, SITE_URL, whatever address the request came in by."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from wagtail.models import Page

from core.sources import is_official_url
from curriculum.models import ModuleIndexPage, ModulePage
from curriculum.services import site_setup
from reminders.models import ReminderSettings, Timing
from reminders.services import deadlines_compute, reminders_send_due
from tests.factories import EditorFactory, LearnerProfileFactory, UserFactory
from tests.reminders.conftest import make_rule

pytestmark = pytest.mark.django_db

SITE_URL = "https://exemple.test"
PASSWORD = "Un-mot-de-passe-solide-2026"
# A class reaches the embedded site by the teacher's machine's address.
ANOTHER_HOST = "192.168.1.20:8080"


@pytest.fixture
def public_address(settings):
    settings.SITE_URL = SITE_URL
    settings.WAGTAILADMIN_BASE_URL = SITE_URL
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "192.168.1.20"]
    # The Wagtail site follows the address, as `setup_site` leaves it.
    return site_setup()


def links_in(text: str) -> list[str]:
    return re.findall(r"https?://[^\s\"'<>]+", text)


def assert_only_site_links(message) -> None:
    bodies = [message.body] + [content for content, _ in message.alternatives]
    links = [link for body in bodies for link in links_in(body)]
    # Official services (caf.fr…) are fine; links to the site itself are not
    # built on any other address.
    own = [link for link in links if not is_official_url(link)]
    assert own, message.body
    for link in own:
        assert link == SITE_URL or link.startswith(f"{SITE_URL}/"), link


def test_wagtail_builds_its_links_on_the_same_address():
    assert settings.WAGTAILADMIN_BASE_URL == settings.SITE_URL


SIGNUP = (
    "account_signup",
    {"email": "lina@exemple.fr", "password1": PASSWORD, "password2": PASSWORD},
)


# allauth's e-mails: (form sent, whether the address has an account, the page the
# e-mail links to, if any).
@pytest.mark.parametrize(
    ("form", "account_exists", "link"),
    [
        pytest.param(SIGNUP, False, "/compte/confirm-email/", id="verification"),
        pytest.param(SIGNUP, True, "/compte/password/reset/", id="account-exists"),
        pytest.param(
            ("account_request_login_code", {"email": "lina@exemple.fr"}),
            True,
            None,
            id="login-code",
        ),
        pytest.param(
            ("account_request_login_code", {"email": "lina@exemple.fr"}),
            False,
            "/compte/signup/",
            id="unknown-account",
        ),
        pytest.param(
            ("account_reset_password", {"email": "lina@exemple.fr"}),
            True,
            "/compte/password/reset/key/",
            id="password-reset",
        ),
    ],
)
def test_the_account_e_mails(client, public_address, form, account_exists, link):
    if account_exists:
        UserFactory(email="lina@exemple.fr")
    url_name, data = form
    client.post(reverse(url_name), data, HTTP_HOST=ANOTHER_HOST)

    [message] = mail.outbox
    if link:
        assert f"{SITE_URL}{link}" in message.body
    assert_only_site_links(message)


def a_module(index) -> ModulePage:
    return index.add_child(
        instance=ModulePage(
            title="La CAF",
            slug="caf",
            intro="…",
            duration_minutes=10,
            easy_read="…",
            body=[("no_panic", {"title": "Pas de panique", "text": "…"})],
        )
    )


def test_the_reminder_e_mail(public_address):
    learner = LearnerProfileFactory(birth_date=date(2009, 3, 10)).user
    make_rule(
        "HIVER",
        timing=Timing.YEARLY,
        reminder_days="7",
        remind_on_opening=False,
        windows=[(date(2026, 12, 1), date(2027, 1, 10))],
        module=a_module(ModuleIndexPage.objects.get()),
    )
    deadlines_compute(learner=learner, today=date(2026, 11, 26))

    reminders_send_due(now=datetime(2027, 1, 3, 9, 5, tzinfo=ZoneInfo("Europe/Paris")))

    [message] = mail.outbox
    assert f"{SITE_URL}/modules/caf/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith(f"<{SITE_URL}/")
    assert_only_site_links(message)


def test_the_calendar_feed_and_its_address(client, public_address):
    learner = LearnerProfileFactory(birth_date=date(2009, 3, 10)).user
    today = date.today()
    make_rule(
        timing=Timing.YEARLY,
        windows=[(today - timedelta(days=1), today + timedelta(days=30))],
        module=a_module(ModuleIndexPage.objects.get()),
    )
    client.force_login(learner)

    planning = client.get(reverse("reminders:planning"), HTTP_HOST=ANOTHER_HOST)
    token = ReminderSettings.objects.get(learner=learner).feed_token
    feed_path = reverse("reminders:feed", args=[token])
    assert f"{SITE_URL}{feed_path}" in planning.content.decode()
    assert ANOTHER_HOST not in planning.content.decode()

    feed = client.get(feed_path, HTTP_HOST=ANOTHER_HOST).content.decode()
    unfolded = feed.replace("\r\n ", "")
    assert f"{SITE_URL}/modules/caf/" in unfolded
    assert f"{SITE_URL}/planning/" in unfolded
    assert "192.168" not in unfolded


def test_the_cms_review_e_mails(client, public_address):
    """An editor asks a colleague for a second read; the colleague approves."""
    author, reviewer = EditorFactory(), EditorFactory()
    module = a_module(ModuleIndexPage.objects.get())
    workflow = module.get_workflow()

    module.save_revision(user=author)
    workflow.start(module, author)
    [request] = mail.outbox
    assert request.to == [reviewer.email]
    assert "Relecture" in request.subject
    assert f"{SITE_URL}/cms/pages/{module.pk}/" in request.body
    assert_only_site_links(request)

    mail.outbox.clear()
    module.refresh_from_db()
    state = module.current_workflow_task_state
    state.task.specific.on_action(state, reviewer, "approve")
    [approved] = mail.outbox
    assert approved.to == [author.email]
    assert f"{SITE_URL}/modules/caf/" in approved.body
    assert Page.objects.get(pk=module.pk).live
    assert_only_site_links(approved)
