"""The certificate panel of "Mon parcours" (assessments shows it without importing
this app: its template loads this tag library)."""

from django import template

from ..eligibility import certificate_eligibility

register = template.Library()


@register.inclusion_tag("certificates/includes/learner_panel.html", takes_context=True)
def certificate_panel(context) -> dict:
    eligibility = certificate_eligibility(learner=context["request"].user)
    return {"certificate": eligibility.certificate, "eligibility": eligibility}
