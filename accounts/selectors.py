from django.db.models import QuerySet
from django.utils import timezone

from territories.models import EPCI

from .models import RoleMembership, TermsVersion, User
from .permissions import Action, epci_ids_for


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


def terms_current() -> TermsVersion | None:
    return (
        TermsVersion.objects.filter(effective_from__lte=timezone.now())
        .order_by("-effective_from")
        .first()
    )


def user_get_by_email(*, email: str) -> User | None:
    return User.objects.filter(email__iexact=email.strip()).first()
