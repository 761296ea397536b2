from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .permissions import has_any_staff_role


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        user = request.user
        if not user.is_onboarded and not user.is_staff and not has_any_staff_role(user):
            return reverse("accounts:onboarding")
        return super().get_login_redirect_url(request)
