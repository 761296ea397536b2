import re
import secrets
from dataclasses import dataclass
from email.policy import compat32
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import forbid_multi_line_headers
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
# What the MIME generator does to headers and line endings with linesep="\r\n".
CRLF_HEADERS = compat32.clone(linesep="\r\n")
LINE_END = re.compile(r"\r\n|\r|\n")


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
        # The parts' stand-ins are not plain ASCII, so that Django picks 8bit.
        self.subject_mark = f"{prefix}sujet"
        self.text_mark, self.html_mark = f"{prefix}texteé", f"{prefix}htmlé"
        self.subject_line = f"Subject: {self.subject_mark}\r\n".encode()
        self.text_part, self.html_part = (
            self.text_mark.encode(),
            self.html_mark.encode(),
        )
        self.frame_marks = re.compile(
            b"|".join(
                re.escape(m)
                for m in (self.subject_line, self.text_part, self.html_part)
            )
        )
        self.frame: bytes | None = None
        self.boundary = ""
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
        """The message with stand-ins for the learner, byte for byte as Django would
        build it, or None where Django must build it itself: a part in plain ASCII
        (7bit), with a line too long for 8bit (quoted-printable), or holding the
        boundary. The frame is built once per run; each text only folds its subject
        and puts its parts in with CRLF line endings, as the generator would."""
        if self.frame is None:
            self.frame, self.boundary = self._frame()
        parts = (text, html)
        if not self.frame or any(
            part.isascii()
            or self.boundary in part
            or max(map(len, part.encode().splitlines()), default=0) > LONGEST_LINE
            for part in parts
        ):
            return None
        _, value = forbid_multi_line_headers("Subject", subject, "utf-8")
        filled = {
            self.subject_line: CRLF_HEADERS.fold_binary("Subject", value),
            self.text_part: LINE_END.sub("\r\n", text).encode(),
            self.html_part: LINE_END.sub("\r\n", html).encode(),
        }
        return self.frame_marks.sub(lambda found: filled[found.group()], self.frame)

    def _frame(self) -> tuple[bytes, str]:
        """Django's MIME form of a reminder with stand-ins everywhere (empty when a
        stand-in does not come out as it went in), and its boundary."""
        mime = (
            _reminder_email(
                pk=self.pk,
                to=self.address,
                subject=self.subject_mark,
                text=self.text_mark,
                html=self.html_mark,
                unsubscribe=self.link,
            )
            .message()
            .as_bytes(linesep="\r\n")
        )
        boundary = re.search(rb'boundary="([^"]+)"', mime)[1].decode()
        found = self.frame_marks.findall(mime) + self.mime_marks.findall(mime)
        # The parts, the subject, and the learner's address, id and link, once each.
        expected = [self.subject_line, self.text_part, self.html_part]
        expected += [m.encode() for m in (self.address, self.pk, self.link)]
        eight_bit = mime.count(b"Content-Transfer-Encoding: 8bit") == 2
        if not eight_bit or sorted(found) != sorted(expected):
            return b"", boundary
        return mime, boundary

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
