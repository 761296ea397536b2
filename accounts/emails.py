from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from .models import RoleInvitation


def role_invitation_url(*, token: str) -> str:
    return settings.SITE_URL + reverse("accounts:role-invitation-open", args=[token])


def role_invitation_message(
    *, invitation: RoleInvitation, token: str
) -> EmailMultiAlternatives:
    """The same e-mail whether or not the address already has an account."""
    context = {
        "invitation": invitation,
        "role": invitation.get_role_display(),
        "epci": invitation.epci.name,
        "accept_url": role_invitation_url(token=token),
        "site_url": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=f"Invitation : {context['role']} pour {context['epci']} "
        "sur Majorité prête",
        body=render_to_string("accounts/email/role_invitation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[invitation.email],
    )
    message.attach_alternative(
        render_to_string("accounts/email/role_invitation.html", context), "text/html"
    )
    return message
