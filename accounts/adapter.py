from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .permissions import has_any_staff_role


class AccountAdapter(DefaultAccountAdapter):
    """After any login, a learner who has no profile yet goes to the onboarding."""

    def _onboarding_url(self, request) -> str | None:
        user = request.user
        if user.is_onboarded or user.is_staff or has_any_staff_role(user):
            return None
        return reverse("accounts:onboarding")

    def get_login_redirect_url(self, request):
        return self._onboarding_url(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return self._onboarding_url(request) or super().get_signup_redirect_url(request)
