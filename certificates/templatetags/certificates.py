"""The certificate panel of "Mon parcours" (assessments shows it without importing
this app: its template loads this tag library)."""

from django import template

from ..credentials import verification_url
from ..eligibility import certificate_eligibility

register = template.Library()


@register.inclusion_tag("certificates/includes/learner_panel.html", takes_context=True)
def certificate_panel(context) -> dict:
    eligibility = certificate_eligibility(learner=context["request"].user)
    certificate = eligibility.certificate
    return {
        "certificate": certificate,
        "eligibility": eligibility,
        # The address printed under the PDF's QR code, to give to whoever asks.
        "verification_url": verification_url(certificate.code) if certificate else "",
    }
