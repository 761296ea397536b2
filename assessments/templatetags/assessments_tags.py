from django import template
from django.utils import timezone

from assessments import selectors
from assessments.forms import PassportRedeemForm

register = template.Library()


@register.inclusion_tag("assessments/includes/quiz_panel.html", takes_context=True)
def quiz_panel(context, module):
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "module": module,
        "panel": selectors.quiz_panel_for(user=request.user, module=module),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("assessments/includes/informer_panel.html", takes_context=True)
def informer_panel(context):
    """The informer's day on their home: places, passport code, today's
    validations and visits, recent history."""
    user = context["request"].user
    places = selectors.informer_place_list(user=user)
    validations = selectors.validation_list_for_informer(informer=user)
    return {
        "places": places,
        "form": PassportRedeemForm(places=places),
        "today_validations": validations.filter(
            validated_at__date=timezone.localdate()
        ).count(),
        "recent_validations": list(validations[:10]),
        "today_visits": list(selectors.visit_list_today(places=places)),
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag(
    "assessments/includes/coordination_panel.html", takes_context=True
)
def coordination_panel(context):
    """For a coordinator's home: the registers of their EPCIs' places, and the
    latest validations made there (to withdraw a mistaken one)."""
    overview = selectors.coordination_overview(user=context["request"].user)
    return {"places": overview.places, "validations": overview.validations}
