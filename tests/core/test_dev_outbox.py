"""Embedded mode: the e-mails written to files are readable on /dev/courriels/, so a
newcomer can verify their address without a mail server."""

import pytest
from django.core import mail

from tests.helpers import page_text

pytestmark = pytest.mark.django_db

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"


@pytest.fixture
def embedded_mail(settings, tmp_path):
    settings.DEBUG = True
    settings.EMAIL_BACKEND = FILE_BACKEND
    settings.EMAIL_FILE_PATH = tmp_path
    return tmp_path


def test_outbox_lists_and_shows_the_emails_written_to_files(client, embedded_mail):
    with mail.get_connection() as connection:
        mail.EmailMessage(
            "Confirme ton adresse",
            "Bonjour Léa,\nclique ici : https://exemple.fr/compte/confirm/abc/",
            to=["lea@exemple.fr"],
            connection=connection,
        ).send()
        mail.EmailMessage(
            "Ton code de connexion",
            "Code : QWE-RTY",
            to=["lea@exemple.fr"],
            connection=connection,
        ).send()

    listing = client.get("/dev/courriels/")
    assert listing.status_code == 200
    text = page_text(listing)
    assert "Confirme ton adresse" in text and "Ton code de connexion" in text
    assert "À lea@exemple.fr" in text
    assert "ils sont ici" in text  # the footer's link

    key = f"{next(embedded_mail.glob('*.log')).stem}~0"
    message = client.get(f"/dev/courriels/{key}/")
    assert "Bonjour Léa" in page_text(message)
    assert (
        '<a href="https://exemple.fr/compte/confirm/abc/"' in message.content.decode()
    )


def test_outbox_is_empty_before_any_email(client, embedded_mail):
    assert "Aucun courriel pour l'instant." in page_text(client.get("/dev/courriels/"))
    assert client.get("/dev/courriels/inconnu~0/").status_code == 404


def test_outbox_does_not_exist_outside_embedded_mode(client, settings, tmp_path):
    settings.EMAIL_FILE_PATH = tmp_path
    assert client.get("/dev/courriels/").status_code == 404  # DEBUG off
    settings.DEBUG = True  # but e-mails really sent
    assert client.get("/dev/courriels/").status_code == 404
    assert "ils sont ici" not in page_text(client.get("/aide/"))


def _one_email_sent(folder) -> str:
    mail.EmailMessage(
        "Réinitialise ton mot de passe",
        "https://exemple.fr/compte/password/reset/key/secret/",
        to=["admin@exemple.fr"],
    ).send()
    return f"{next(folder.glob('*.log')).stem}~0"


@pytest.mark.parametrize(
    "client_headers",
    [
        {"REMOTE_ADDR": "192.168.1.20"},  # another computer of the classroom
        {"REMOTE_ADDR": "2001:db8::7"},
        # A proxy on this machine forwarding someone else's request.
        {"HTTP_X_FORWARDED_FOR": "203.0.113.5"},
        {"HTTP_X_FORWARDED_FOR": "127.0.0.1, 203.0.113.5"},
        {"HTTP_X_REAL_IP": "203.0.113.5"},
        {"HTTP_FORWARDED": "for=203.0.113.5;proto=https"},
        {"HTTP_FORWARDED": "proto=https"},
    ],
)
def test_outbox_is_for_this_machine_only(client, embedded_mail, client_headers):
    key = _one_email_sent(embedded_mail)
    assert client.get("/dev/courriels/", **client_headers).status_code == 404
    assert client.get(f"/dev/courriels/{key}/", **client_headers).status_code == 404
    page = page_text(client.get("/aide/", **client_headers))
    assert "ils sont ici" not in page


@pytest.mark.parametrize(
    "client_headers",
    [
        {"REMOTE_ADDR": "127.0.0.1"},
        {"REMOTE_ADDR": "::1"},
        {"HTTP_X_FORWARDED_FOR": "127.0.0.1"},  # a proxy on this machine, for it
        {"HTTP_FORWARDED": 'for="[::1]"'},
    ],
)
def test_outbox_is_shown_on_this_machine(client, embedded_mail, client_headers):
    key = _one_email_sent(embedded_mail)
    listing = client.get("/dev/courriels/", **client_headers)
    assert "Réinitialise ton mot de passe" in page_text(listing)
    assert "ils sont ici" in page_text(listing)
    assert client.get(f"/dev/courriels/{key}/", **client_headers).status_code == 200


def test_outbox_times_are_paris_time(client, embedded_mail, settings):
    settings.EMAIL_USE_LOCALTIME = False  # Django's default: "Date: … -0000"
    with mail.get_connection() as connection:
        message = mail.EmailMessage("Un rappel", "Texte", to=["lea@exemple.fr"])
        message.extra_headers["Date"] = "Tue, 01 Dec 2026 08:05:00 -0000"
        connection.send_messages([message])
    listing = client.get("/dev/courriels/")
    # 08:05 UTC, winter in Paris; in the site's French, on the list and the message.
    assert "1er décembre 2026 à 9 h 05" in page_text(listing)
    (key,) = [message.key for message in listing.context["outbox"]]
    shown = page_text(client.get(f"/dev/courriels/{key}/"))
    assert "1er décembre 2026 à 9 h 05" in shown
