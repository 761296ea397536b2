from django import template

from assessments.selectors import quiz_panel_for

register = template.Library()


@register.inclusion_tag("assessments/includes/quiz_panel.html", takes_context=True)
def quiz_panel(context, module):
    request = context["request"]
    return {
        "request": request,
        "user": request.user,
        "module": module,
        "panel": quiz_panel_for(user=request.user, module=module),
        "csrf_token": context.get("csrf_token"),
    }
