from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from core.links import site_link

from .selectors import role_invitation_get_valid, staff_access_get

# The token of the invitation being looked at (views.role_invitation), kept in the
# session so that it leaves the address bar and survives signing in or signing up.
INVITATION_SESSION_KEY = "accounts_role_invitation"


class AccountAdapter(DefaultAccountAdapter):
    """After any login: back to the invitation being accepted, if any; otherwise
    staff go to their home (/espace/), and a learner who has no profile yet goes to
    the onboarding."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Too many wrong passwords, or codes asked, for one account (see the rate
        # limits in settings).
        "too_many_login_attempts": "Trop d'essais en peu de temps. Pas de panique : "
        "ton compte n'est pas bloqué pour de bon. Attends quelques minutes, puis "
        "réessaie. Si tu as oublié ton mot de passe, choisis-en un nouveau ou demande "
        "un code de connexion.",
    }

    def _next_step_url(self, request) -> str | None:
        token = request.session.get(INVITATION_SESSION_KEY)
        if token and role_invitation_get_valid(token=token):
            return reverse("accounts:role-invitation")
        user = request.user
        if staff_access_get(user=user).is_staff_account:
            return reverse("accounts:staff-home")
        if user.is_onboarded:
            return None
        return reverse("accounts:onboarding")

    # The links allauth puts in its e-mails, built from the request's address.
    EMAIL_LINKS = ("activate_url", "password_reset_url", "signup_url")

    def send_mail(self, template_prefix, email, context):
        links = {
            key: site_link(context[key]) for key in self.EMAIL_LINKS if key in context
        }
        super().send_mail(template_prefix, email, {**context, **links})

    def get_login_redirect_url(self, request):
        return self._next_step_url(request) or super().get_login_redirect_url(request)

    def get_signup_redirect_url(self, request):
        return self._next_step_url(request) or super().get_signup_redirect_url(request)
