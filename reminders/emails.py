import re
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import escape

from core.formatting import date_text
from curriculum.models import ModulePage

from .models import ReminderDelivery

UNSUBSCRIBE_SALT = "reminders.unsubscribe"


def message_id_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def unsubscribe_token(*, learner) -> str:
    return signing.dumps(learner.pk, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, learner) -> str:
    token = unsubscribe_token(learner=learner)
    return settings.SITE_URL + reverse("reminders:unsubscribe", args=[token])


def module_links() -> dict[int, str]:
    """The address of each module online (a sender reads them once per run: a
    module's page is heavy, and unpublished ones are not linked)."""
    return {
        module.pk: settings.SITE_URL + module.url
        for module in ModulePage.objects.live().defer("body")
        if module.url
    }


class ReminderTexts:
    """The texts of the reminders a sender sends in one run. On a busy morning
    thousands of learners get the same reminder: each (rule, reminder, date) is
    rendered once, then the learner's first name and unsubscribe link are filled in.
    """

    def __init__(self):
        self.links = module_links()
        self.planning_url = settings.SITE_URL + reverse("reminders:planning")
        self.settings_url = settings.SITE_URL + reverse("reminders:preferences")
        # Stand-ins no text can contain by chance, replaced in a single pass.
        mark = secrets.token_hex(8)
        self.name_mark, self.link_mark = f"prenom{mark}", f"lien{mark}"
        self.marks = re.compile(f"{self.name_mark}|{self.link_mark}")
        self.rendered: dict[tuple, tuple[str, str, str]] = {}

    def _render(self, delivery: ReminderDelivery) -> tuple[str, str, str]:
        deadline = delivery.deadline
        key = (deadline.rule_id, delivery.offset, deadline.opens_on, deadline.closes_on)
        if key not in self.rendered:
            rule = deadline.rule
            is_opening = delivery.offset == ReminderDelivery.OPENING
            closes = date_text(deadline.closes_on, weekday=True)
            if is_opening:
                subject = f"C'est ouvert : {rule.title} (jusqu'au {closes})"
            else:
                subject = f"Rappel : {rule.title}, avant le {closes}"
            context = {
                "learner": {"first_name": self.name_mark},
                "deadline": deadline,
                "rule": rule,
                "is_opening": is_opening,
                "module_url": self.links.get(rule.module_id, ""),
                "planning_url": self.planning_url,
                "settings_url": self.settings_url,
                "unsubscribe_url": self.link_mark,
            }
            self.rendered[key] = (
                subject,
                render_to_string("reminders/email/reminder.txt", context),
                render_to_string("reminders/email/reminder.html", context),
            )
        return self.rendered[key]

    def fill(self, delivery: ReminderDelivery, unsubscribe: str):
        """Subject, text and HTML of this learner's reminder."""
        subject, text, html = self._render(delivery)
        name = delivery.learner.first_name
        values = {self.name_mark: name, self.link_mark: unsubscribe}
        escaped = {mark: escape(value) for mark, value in values.items()}
        return (
            subject,
            self.marks.sub(lambda found: values[found.group()], text),
            self.marks.sub(lambda found: escaped[found.group()], html),
        )


def reminder_message(
    delivery: ReminderDelivery, *, texts: ReminderTexts | None = None
) -> EmailMultiAlternatives:
    """The reminder e-mail: what, when, how, where to get help, and the remedy."""
    texts = texts or ReminderTexts()
    learner = delivery.learner
    unsubscribe = unsubscribe_url(learner=learner)
    subject, text, html = texts.fill(delivery, unsubscribe)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[learner.email],
        headers={
            "Message-ID": f"<rappel-{delivery.pk}@{message_id_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message
