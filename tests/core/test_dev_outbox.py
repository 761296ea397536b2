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
