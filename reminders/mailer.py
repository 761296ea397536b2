"""Transport for reminder e-mails.

Over SMTP, a message is sent in two steps: everything but the final "." of DATA,
then — once the database has recorded the reminder as sent — the "." itself. A
worker killed before the database commit leaves the server with an unfinished
message, which it discards, and the reminder is sent again later; killed after the
commit, only a few bytes remained to send. That is how a killed worker neither loses
nor doubles a reminder (short of the few microseconds between the two).
"""

import functools
import re
import smtplib
import socket
import ssl
from email.utils import parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.smtp import EmailBackend as SmtpBackend

CRLF = b"\r\n"


def _smtp_data(message_bytes: bytes) -> bytes:
    """Line endings as CRLF and leading dots doubled (RFC 5321 §4.5.2)."""
    data = re.sub(rb"\r\n|\n|\r(?!\n)", CRLF, message_bytes)
    data = re.sub(rb"(?m)^\.", b"..", data)
    return data if data.endswith(CRLF) else data + CRLF


# A plain address (as Django's EmailField accepts them) goes in the envelope as it
# is; anything else is parsed, as smtplib would (parsing costs more than the rest of
# the envelope).
PLAIN_ADDRESS = re.compile(r"[^\s<>()\[\]\\,;:\"@]+@[^\s<>()\[\]\\,;:\"@]+")


@functools.lru_cache(maxsize=64)
def _parsed_address(address: str) -> str:
    return parseaddr(address)[1] or address


def _bare_address(address: str) -> str:
    if PLAIN_ADDRESS.fullmatch(address):
        return address
    return _parsed_address(address)


class SmtpTransport:
    def __init__(self):
        self.smtp: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.smtp is None:
            smtp = smtplib.SMTP(
                settings.EMAIL_HOST, settings.EMAIL_PORT, timeout=settings.EMAIL_TIMEOUT
            )
            # The final "." goes alone: without this, Nagle's algorithm holds it
            # until the server's delayed ACK, 40 ms per message.
            smtp.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if settings.EMAIL_USE_TLS:
                smtp.starttls(context=ssl.create_default_context())
            if settings.EMAIL_HOST_USER:
                smtp.login(settings.EMAIL_HOST_USER, settings.EMAIL_HOST_PASSWORD)
            self.smtp = smtp
        return self.smtp

    def begin(self, message) -> None:
        """Send the envelope and the message (a ReminderEmail), but not the end of
        DATA."""
        smtp = self._connect()
        sender = _bare_address(message.from_email)
        try:
            smtp.ehlo_or_helo_if_needed()
            code, reply = smtp.docmd("mail", f"FROM:<{sender}>")
            if code != 250:
                raise smtplib.SMTPSenderRefused(code, reply, sender)
            for recipient in message.recipients():
                code, reply = smtp.docmd("rcpt", f"TO:<{_bare_address(recipient)}>")
                if code not in (250, 251):
                    raise smtplib.SMTPRecipientsRefused({recipient: (code, reply)})
            code, reply = smtp.docmd("data")
            if code != 354:
                raise smtplib.SMTPDataError(code, reply)
            smtp.send(_smtp_data(message.as_bytes()))
        except smtplib.SMTPResponseException:
            self._reset()
            raise
        except (OSError, smtplib.SMTPException):
            self.close()
            raise

    def finish(self) -> None:
        """End DATA: the server now takes the message."""
        smtp = self.smtp
        try:
            smtp.send(b"." + CRLF)
            code, reply = smtp.getreply()
        except (OSError, smtplib.SMTPException):
            self.close()
            raise
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    def abort(self) -> None:
        """Leave an unfinished message: closing the connection discards it."""
        self.close()

    def _reset(self) -> None:
        try:
            self.smtp.rset()
        except (OSError, smtplib.SMTPException):
            self.close()

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.close()
            finally:
                self.smtp = None


class BackendTransport:
    """Any other Django e-mail backend (locmem in tests, files in embedded mode):
    the message is handed over at finish()."""

    def __init__(self):
        self.connection = get_connection()
        self.pending: EmailMessage | None = None

    def begin(self, message: EmailMessage) -> None:
        self.pending = message

    def finish(self) -> None:
        message, self.pending = self.pending, None
        self.connection.send_messages([message])

    def abort(self) -> None:
        self.pending = None

    def close(self) -> None:
        self.connection.close()


def open_transport():
    backend = get_connection()
    if isinstance(backend, SmtpBackend):
        return SmtpTransport()
    return BackendTransport()
