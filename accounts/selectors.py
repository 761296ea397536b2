from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from territories.models import EPCI

from . import personal_data
from .models import (
    RoleInvitation,
    RoleMembership,
    TermsVersion,
    invitation_token_hash,
)
from .permissions import Action, epci_ids_for

EXPORT_FORMAT_VERSION = 1


def epci_list_for_user(*, user, action: Action = Action.EPCI_VIEW) -> QuerySet[EPCI]:
    allowed = epci_ids_for(user, action)
    epcis = EPCI.objects.order_by("name")
    return epcis if allowed is None else epcis.filter(pk__in=allowed)


def role_membership_list_for_user(*, user) -> QuerySet[RoleMembership]:
    """Active staff roles of the EPCIs this user manages."""
    allowed = epci_ids_for(user, Action.ROLE_GRANT)
    memberships = (
        RoleMembership.objects.active()
        .select_related("user", "epci", "granted_by")
        .order_by("epci__name", "role", "user__email")
    )
    return memberships if allowed is None else memberships.filter(epci_id__in=allowed)


def role_membership_get_for_user(*, user, pk: int) -> RoleMembership | None:
    return role_membership_list_for_user(user=user).filter(pk=pk).first()


def role_invitation_list_for_user(*, user) -> QuerySet[RoleInvitation]:
    """Invitations not yet accepted nor cancelled (expired ones too), in the EPCIs
    this user manages: the same scope as the roles."""
    allowed = epci_ids_for(user, Action.ROLE_GRANT)
    invitations = (
        RoleInvitation.objects.open()
        .select_related("epci")
        .order_by("epci__name", "role", "email")
    )
    return invitations if allowed is None else invitations.filter(epci_id__in=allowed)


def role_invitation_get_for_user(*, user, pk: int) -> RoleInvitation | None:
    return role_invitation_list_for_user(user=user).filter(pk=pk).first()


def role_invitation_get_valid(
    *, token: str, now: datetime | None = None
) -> RoleInvitation | None:
    """The invitation whose link still works, or None (unknown, tampered, expired,
    cancelled, accepted: all alike)."""
    if not token or len(token) > 100:
        return None
    return (
        RoleInvitation.objects.valid(now or timezone.now())
        .select_related("epci")
        .filter(token_hash=invitation_token_hash(token))
        .first()
    )


def user_has_verified_email(*, user, email: str) -> bool:
    """The address is one of the account's, and its owner proved it (allauth)."""
    return EmailAddress.objects.filter(
        user_id=user.pk, email__iexact=email, verified=True
    ).exists()


def user_holds_staff_role(*, user) -> bool:
    return RoleMembership.objects.active().filter(user_id=user.pk).exists()


def terms_current() -> TermsVersion | None:
    return (
        TermsVersion.objects.filter(effective_from__lte=timezone.now())
        .order_by("-effective_from")
        .first()
    )


def personal_data_sections(*, user) -> list[tuple[personal_data.Section, object]]:
    """Everything the platform holds about this person, section by section (each
    app registers its own: see accounts.personal_data). Only ever for oneself."""
    return [(section, section.read(user)) for section in personal_data.sections()]


def personal_data_export(*, user, now=None) -> dict:
    """The same, as one document with stable keys (the downloadable file)."""
    document = {
        "à_propos": {
            "site": "Majorité prête",
            "adresse_du_site": settings.SITE_URL,
            "exporté_le": now or timezone.now(),
            "version_du_format": EXPORT_FORMAT_VERSION,
        }
    }
    for section, data in personal_data_sections(user=user):
        document[section.key] = data
    return document
