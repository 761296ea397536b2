"""The certificate panel of "Mon parcours" (assessments shows it without importing
this app: its template loads this tag library)."""

from django import template

from ..eligibility import Rule, certificate_eligibility

register = template.Library()


@register.inclusion_tag("certificates/includes/learner_panel.html", takes_context=True)
def certificate_panel(context) -> dict:
    learner = context["request"].user
    eligibility = certificate_eligibility(learner=learner)
    certificate = eligibility.certificate
    return {
        "certificate": certificate,
        "eligibility": eligibility,
        # Competencies left are listed on the page already: say only the rest.
        "reasons": [r for r in eligibility.reasons if r.rule != Rule.COMPETENCIES],
        "competencies_left": Rule.COMPETENCIES in eligibility.rules,
    }
