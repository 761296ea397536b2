from dataclasses import dataclass
from datetime import datetime

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Permission
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from directory.models import HelpPlace
from territories.models import EPCI

from . import personal_data
from .models import (
    RoleInvitation,
    RoleMembership,
    TermsVersion,
    invitation_token_hash,
)
from .permissions import ROLES_FOR_ACTION, Action, epci_ids_for

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
        .prefetch_related("places")
        .order_by("epci__name", "role", "user__email")
    )
    return memberships if allowed is None else memberships.filter(epci_id__in=allowed)


def informer_place_choices(*, membership: RoleMembership) -> QuerySet[HelpPlace]:
    """The help places an informer of this membership may work at: its EPCI's."""
    return HelpPlace.objects.filter(epci_id=membership.epci_id).order_by("nom")


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


@dataclass(frozen=True)
class StaffAccess:
    """What an account opens beyond a learner's pages: its active roles, and the
    CMS through Django permissions (editors, superusers)."""

    memberships: tuple[RoleMembership, ...]
    edits_content: bool
    is_superuser: bool
    is_staff: bool

    def holds(self, role: str) -> bool:
        return any(membership.role == role for membership in self.memberships)

    def may(self, action: Action) -> bool:
        """Somewhere (the same rule as `accounts.permissions`)."""
        return self.is_superuser or any(
            membership.role in ROLES_FOR_ACTION[action]
            for membership in self.memberships
        )

    @property
    def manages_roles(self) -> bool:
        return self.may(Action.ROLE_GRANT)

    @property
    def manages_help_places(self) -> bool:
        return self.may(Action.HELP_PLACE_MANAGE)

    @property
    def is_staff_account(self) -> bool:
        """Never asked for a learner's profile; its home is /espace/."""
        return bool(self.memberships) or self.edits_content or self.is_staff


NO_STAFF_ACCESS = StaffAccess(
    (), edits_content=False, is_superuser=False, is_staff=False
)
_STAFF_ACCESS_CACHE = "_staff_access"


def _has_cms_permission(user) -> bool:
    """Django's own permission check for the CMS (direct or through a group), in one
    query: the header asks it on every page."""
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label="wagtailadmin",
        codename="access_admin",
    ).exists()


def staff_access_get(*, user) -> StaffAccess:
    """Kept on the user object: the header, the page and the login redirect of one
    request ask it once (two queries for a learner, one for a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return NO_STAFF_ACCESS
    if not hasattr(user, _STAFF_ACCESS_CACHE):
        memberships = tuple(
            RoleMembership.objects.active()
            .filter(user_id=user.pk)
            .select_related("epci")
            .order_by("epci__name", "role")
        )
        access = StaffAccess(
            memberships,
            edits_content=user.is_superuser or _has_cms_permission(user),
            is_superuser=user.is_superuser,
            is_staff=user.is_staff,
        )
        setattr(user, _STAFF_ACCESS_CACHE, access)
    return getattr(user, _STAFF_ACCESS_CACHE)


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


def home_url_for(*, user) -> str:
    """Where a person starts: the staff home (which also links a learner's pages,
    for an account that has both), the learner's journey, or the site's home."""
    if staff_access_get(user=user).is_staff_account:
        return reverse("accounts:staff-home")
    if user.is_authenticated and user.is_onboarded:
        return reverse("assessments:dashboard")
    return "/"


def learner_family_msa(*, user) -> bool | None:
    """A learner's answer to « Ta famille dépend-elle de la MSA ? »; None when they
    did not answer, or for a visitor or a staff account."""
    profile = getattr(user, "learner_profile", None) if user.is_authenticated else None
    return profile.family_msa if profile is not None else None
