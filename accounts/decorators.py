from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect


def learner_required(view):
    """Logged in, with a completed profile; otherwise on to the onboarding."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_onboarded:
            return redirect("accounts:onboarding")
        return view(request, *args, **kwargs)

    return wrapper
