"""The header's staff tools and the "back to your home" links of error pages."""

from django import template

from accounts import selectors

register = template.Library()


def _user(context):
    # No request in the context: the 500 page, rendered without a database.
    return getattr(context.get("request"), "user", None)


@register.simple_tag(takes_context=True)
def staff_access(context) -> selectors.StaffAccess:
    user = _user(context)
    if user is None:
        return selectors.NO_STAFF_ACCESS
    return selectors.staff_access_get(user=user)


@register.simple_tag(takes_context=True)
def home_url(context) -> str:
    user = _user(context)
    return "/" if user is None else selectors.home_url_for(user=user)
