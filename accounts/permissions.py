"""The one place that answers "may this user do X on that object"."""

from enum import StrEnum

from directory.models import HelpPlace
from territories.models import EPCI

from .models import Role, RoleMembership


class Action(StrEnum):
    EPCI_VIEW = "epci.view"  # obj: EPCI
    ROLE_GRANT = "role.grant"  # obj: EPCI where the role is granted
    ROLE_REVOKE = "role.revoke"  # obj: RoleMembership
    PILOT_MANAGE = "pilot.manage"  # obj: EPCI
    HELP_PLACE_MANAGE = "help_place.manage"  # obj: HelpPlace, or EPCI for a new one
    # Withdraw any validation made at a place of the EPCI (its author may too).
    VALIDATION_WITHDRAW = "validation.withdraw"  # obj: HelpPlace
    # Read a place's visit register (its informers may too).
    VISIT_REGISTER_VIEW = "visit_register.view"  # obj: HelpPlace
    CERTIFICATE_REVOKE = "certificate.revoke"  # obj: Certificate
    CERTIFICATE_BATCH = "certificate.batch"  # obj: EPCI


# Which role, within an EPCI, allows each action on that EPCI.
ROLES_FOR_ACTION = {
    Action.EPCI_VIEW: {Role.COORDINATOR},
    Action.ROLE_GRANT: {Role.COORDINATOR},
    Action.ROLE_REVOKE: {Role.COORDINATOR},
    Action.PILOT_MANAGE: {Role.COORDINATOR},
    Action.HELP_PLACE_MANAGE: {Role.COORDINATOR},
    Action.VALIDATION_WITHDRAW: {Role.COORDINATOR},
    Action.VISIT_REGISTER_VIEW: {Role.COORDINATOR},
    Action.CERTIFICATE_REVOKE: {Role.COORDINATOR},
    Action.CERTIFICATE_BATCH: {Role.COORDINATOR},
}


def epci_ids_for(user, action: Action) -> set[int] | None:
    """EPCIs where the user may do the action; None means everywhere (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return set(
        RoleMembership.objects.active()
        .filter(user=user, role__in=ROLES_FOR_ACTION[action])
        .values_list("epci_id", flat=True)
    )


def _epci_of(obj) -> int | None:
    if isinstance(obj, EPCI):
        return obj.pk
    return getattr(obj, "epci_id", None)


def user_can(user, action: Action, obj) -> bool:
    allowed = epci_ids_for(user, action)
    if allowed is None:
        return True
    return _epci_of(obj) in allowed


def informer_place_ids(user) -> set[int]:
    """The help places where the user works as an informer (active roles only)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    return set(
        RoleMembership.objects.active()
        .filter(user=user, role=Role.INFORMER, places__isnull=False)
        .values_list("places", flat=True)
    )


def place_ids_for(user, action: Action) -> set[int] | None:
    """Help places where the user may do the action: those of the EPCIs the action
    is allowed in, plus the user's own places as an informer; None: everywhere."""
    epci_ids = epci_ids_for(user, action)
    if epci_ids is None:
        return None
    in_epcis = set(
        HelpPlace.objects.filter(epci_id__in=epci_ids).values_list("pk", flat=True)
    )
    return in_epcis | informer_place_ids(user)
