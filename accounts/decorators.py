from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from core.errors import AccessRefused

from .models import Role
from .selectors import staff_access_get

LEARNER_PAGES_ONLY = (
    "Cette page fait partie du parcours des jeunes : ton compte professionnel n'en a "
    "pas. Voici ce que ton rôle te permet de faire."
)


def learner_required(view):
    """Logged in, with a completed profile; otherwise on to the onboarding, or, for
    a staff account (never asked for a learner's profile), to its own home."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_onboarded:
            if staff_access_get(user=request.user).is_staff_account:
                messages.info(request, LEARNER_PAGES_ONLY)
                return redirect("accounts:staff-home")
            return redirect("accounts:onboarding")
        return view(request, *args, **kwargs)

    return wrapper


INFORMERS_ONLY = (
    "Cette page est réservée aux informateur·rices des lieux d'aide. Si tu en es "
    "un·e, demande ton rôle à la personne qui coordonne ton territoire."
)


def informer_required(view):
    """Logged in, with an active informer role (in any EPCI)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not staff_access_get(user=request.user).holds(Role.INFORMER):
            raise AccessRefused(INFORMERS_ONLY)
        return view(request, *args, **kwargs)

    return wrapper
