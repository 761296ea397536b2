from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from core.formatting import date_text

from .codes import code_display
from .credentials import verification_url
from .models import Certificate


def _message(template: str, certificate: Certificate, **extra) -> EmailMessage:
    context = {
        "first_name": certificate.learner.first_name,
        "code": code_display(certificate.code),
        "issued_on": date_text(timezone.localdate(certificate.issued_at)),
        "verification_url": verification_url(certificate.code),
        "dashboard_url": settings.SITE_URL + reverse("assessments:dashboard"),
        "SITE_URL": settings.SITE_URL,
        **extra,
    }
    subject = render_to_string(f"certificates/email/{template}_subject.txt", context)
    return EmailMessage(
        subject=" ".join(subject.split()),
        body=render_to_string(f"certificates/email/{template}_message.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[certificate.learner.email],
    )


def certificate_issued_message(*, certificate: Certificate) -> EmailMessage:
    return _message("certificate_issued", certificate)


def certificate_revoked_message(*, certificate: Certificate) -> EmailMessage:
    return _message(
        "certificate_revoked",
        certificate,
        revoked_on=date_text(timezone.localdate(certificate.revoked_at)),
        reason=certificate.revocation_reason,
    )
