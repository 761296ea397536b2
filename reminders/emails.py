from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

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


def reminder_message(
    delivery: ReminderDelivery, *, links: dict[int, str] | None = None
) -> EmailMultiAlternatives:
    """The reminder e-mail: what, when, how, where to get help, and the remedy."""
    links = module_links() if links is None else links
    deadline, learner = delivery.deadline, delivery.learner
    rule = deadline.rule
    closes = date_text(deadline.closes_on, weekday=True)
    if delivery.offset == ReminderDelivery.OPENING:
        subject = f"C'est ouvert : {rule.title} (jusqu'au {closes})"
    else:
        subject = f"Rappel : {rule.title}, avant le {closes}"
    unsubscribe = unsubscribe_url(learner=learner)
    context = {
        "learner": learner,
        "deadline": deadline,
        "rule": rule,
        "delivery": delivery,
        "is_opening": delivery.offset == ReminderDelivery.OPENING,
        "module_url": links.get(rule.module_id, ""),
        "planning_url": settings.SITE_URL + reverse("reminders:planning"),
        "settings_url": settings.SITE_URL + reverse("reminders:preferences"),
        "unsubscribe_url": unsubscribe,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("reminders/email/reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[learner.email],
        headers={
            "Message-ID": f"<rappel-{delivery.pk}@{message_id_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string("reminders/email/reminder.html", context), "text/html"
    )
    return message
