import re
import secrets
from dataclasses import dataclass
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


class ReminderEmail(EmailMultiAlternatives):
    """A reminder e-mail. Over SMTP it is sent as `as_bytes()`: when it can, the MIME
    form built once for every learner who gets the same text, with this learner's
    address, first name and link filled in (building MIME is most of the cost of a
    message on a busy morning)."""

    def __init__(self, *, shared_form: bytes | None = None, **kwargs):
        super().__init__(**kwargs)
        self.shared_form = shared_form

    def as_bytes(self) -> bytes:
        return self.shared_form or self.message().as_bytes(linesep="\r\n")


def _reminder_email(
    *, pk, to: str, subject: str, text: str, html: str, unsubscribe: str, **kwargs
) -> ReminderEmail:
    message = ReminderEmail(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers={
            "Message-ID": f"<rappel-{pk}@{message_id_domain()}>",
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
        **kwargs,
    )
    message.attach_alternative(html, "text/html")
    return message


# Longer lines must be encoded (RFC 5321 §4.5.3.1.6): Django then picks
# quoted-printable, which a plain fill-in cannot follow.
LONGEST_LINE = 998


@dataclass
class SharedText:
    subject: str
    text: str
    html: str
    mime: bytes | None  # None when a part had to be encoded


class ReminderTexts:
    """The texts of the reminders a sender sends in one run. On a busy morning
    thousands of learners get the same reminder: each (rule, reminder, date) is
    rendered once, as text, HTML and MIME, then the learner's address, first name,
    unsubscribe link and the message's id are filled in.
    """

    def __init__(self):
        self.links = module_links()
        self.planning_url = settings.SITE_URL + reverse("reminders:planning")
        self.settings_url = settings.SITE_URL + reverse("reminders:preferences")
        # Stand-ins no text can contain by chance, replaced in a single pass. They
        # share a random prefix: the regular expression finds them by it, fast.
        prefix = f"x{secrets.token_hex(8)}"
        self.html_name, self.html_link = f"{prefix}prenomhtml", f"{prefix}lienhtml"
        self.name, self.link = f"{prefix}prenom", f"{prefix}lien"
        self.address, self.pk = f"{prefix}adresse@exemple.invalid", f"{prefix}numero"
        in_texts = (self.html_name, self.html_link, self.name, self.link)
        self.marks = re.compile("|".join(in_texts))
        self.mime_marks = re.compile(
            b"|".join(re.escape(m.encode()) for m in (*in_texts, self.address, self.pk))
        )
        self.rendered: dict[tuple, SharedText] = {}

    def _render(self, delivery: ReminderDelivery) -> SharedText:
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
                "deadline": deadline,
                "rule": rule,
                "is_opening": is_opening,
                "module_url": self.links.get(rule.module_id, ""),
                "planning_url": self.planning_url,
                "settings_url": self.settings_url,
            }
            text = render_to_string(
                "reminders/email/reminder.txt",
                {
                    **context,
                    "learner": {"first_name": self.name},
                    "unsubscribe_url": self.link,
                },
            )
            html = render_to_string(
                "reminders/email/reminder.html",
                {
                    **context,
                    "learner": {"first_name": self.html_name},
                    "unsubscribe_url": self.html_link,
                },
            )
            self.rendered[key] = SharedText(
                subject, text, html, self._mime(subject, text, html)
            )
        return self.rendered[key]

    def _mime(self, subject: str, text: str, html: str) -> bytes | None:
        """The message with stand-ins, or None unless both parts are plain 8-bit
        text in which every stand-in comes out as it went in."""
        mime = (
            _reminder_email(
                pk=self.pk,
                to=self.address,
                subject=subject,
                text=text,
                html=html,
                unsubscribe=self.link,
            )
            .message()
            .as_bytes(linesep="\r\n")
        )
        expected = len(self.marks.findall(text + html)) + 3  # To, id, unsubscribe
        if (
            mime.count(b"Content-Transfer-Encoding: 8bit") != 2
            or len(self.mime_marks.findall(mime)) != expected
        ):
            return None
        return mime

    def fill(self, delivery: ReminderDelivery, unsubscribe: str) -> ReminderEmail:
        """This learner's reminder."""
        shared = self._render(delivery)
        learner = delivery.learner
        values = {
            self.name: learner.first_name,
            self.link: unsubscribe,
            self.html_name: escape(learner.first_name),
            self.html_link: escape(unsubscribe),
        }
        return _reminder_email(
            pk=delivery.pk,
            to=learner.email,
            subject=shared.subject,
            text=self.marks.sub(lambda found: values[found.group()], shared.text),
            html=self.marks.sub(lambda found: values[found.group()], shared.html),
            unsubscribe=unsubscribe,
            shared_form=self._fill_mime(shared.mime, values, delivery),
        )

    def _fill_mime(self, mime: bytes | None, values: dict, delivery) -> bytes | None:
        """The shared MIME form filled in, or None where Django must build the
        message itself (an encoded part, an address to check, too long a line)."""
        email = delivery.learner.email
        if mime is None or not email.isascii() or "\n" in email or "\r" in email:
            return None
        filled = {mark.encode(): value.encode() for mark, value in values.items()}
        filled[self.address.encode()] = email.encode()
        filled[self.pk.encode()] = str(delivery.pk).encode()
        mime = self.mime_marks.sub(lambda found: filled[found.group()], mime)
        if max(map(len, mime.split(b"\r\n"))) > LONGEST_LINE:
            return None
        return mime


def reminder_message(
    delivery: ReminderDelivery, *, texts: ReminderTexts | None = None
) -> ReminderEmail:
    """The reminder e-mail: what, when, how, where to get help, and the remedy."""
    texts = texts or ReminderTexts()
    return texts.fill(delivery, unsubscribe_url(learner=delivery.learner))
