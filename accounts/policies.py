"""Wagtail permission policies driven by the staff roles."""

from django.contrib.auth import get_user_model
from django.db.models import Q
from wagtail.permission_policies.base import BasePermissionPolicy

from .permissions import ROLES_FOR_ACTION, Action, epci_ids_for

WAGTAIL_ACTIONS = frozenset({"add", "change", "delete", "view"})


class EpciRolePermissionPolicy(BasePermissionPolicy):
    """For a model whose rows belong to an EPCI (`epci_id`): whoever may do `action`
    in an EPCI (see `accounts.permissions`) may add, change, delete and view its rows;
    superusers everywhere. Django's model permissions play no part."""

    def __init__(self, model, action: Action):
        super().__init__(model)
        self.action = action
        self.permission_cache_name = f"_epci_ids_{action.name.lower()}"

    def get_all_permissions_for_user(self, user):
        return epci_ids_for(user, self.action)

    def managed_epci_ids(self, user) -> set[int] | None:
        """The EPCIs whose rows the user manages; None for all of them."""
        return self.get_cached_permissions_for_user(user)

    def user_has_permission(self, user, action):
        allowed = self.managed_epci_ids(user)
        return action in WAGTAIL_ACTIONS and (allowed is None or bool(allowed))

    def user_has_permission_for_instance(self, user, action, instance):
        allowed = self.managed_epci_ids(user)
        return action in WAGTAIL_ACTIONS and (
            allowed is None or instance.epci_id in allowed
        )

    def instances_user_has_any_permission_for(self, user, actions):
        rows = self.model._default_manager.all()
        if not WAGTAIL_ACTIONS.intersection(actions):
            return rows.none()
        allowed = self.managed_epci_ids(user)
        return rows if allowed is None else rows.filter(epci_id__in=allowed)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if not WAGTAIL_ACTIONS.intersection(actions):
            return users.none()
        return users.filter(
            Q(is_superuser=True)
            | Q(
                memberships__role__in=ROLES_FOR_ACTION[self.action],
                memberships__revoked_at__isnull=True,
            )
        ).distinct()


def help_place_permission_policy(model) -> EpciRolePermissionPolicy:
    """Coordinators manage the help places of their EPCIs (settings name this)."""
    return EpciRolePermissionPolicy(model, Action.HELP_PLACE_MANAGE)
