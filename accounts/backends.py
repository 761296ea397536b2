from django.contrib.auth.backends import BaseBackend

from .permissions import Action, epci_ids_for

ACCESS_ADMIN = "wagtailadmin.access_admin"


class StaffRoleBackend(BaseBackend):
    """Lets the staff roles that work in the CMS reach it, without a Django group.

    Only `wagtailadmin.access_admin` is granted: what they may do there is decided by
    `accounts.permissions` (e.g. the directory's permission policy), so a
    coordinator sees the help places of their EPCI and no page or other snippet.
    Authenticates nobody.
    """

    cache_name = "_staff_role_perm_cache"

    def get_all_permissions(self, user_obj, obj=None):
        if obj is not None or not user_obj.is_active or user_obj.is_anonymous:
            return set()
        if not hasattr(user_obj, self.cache_name):
            # Superusers already hold every permission through ModelBackend.
            manages = not user_obj.is_superuser and bool(
                epci_ids_for(user_obj, Action.HELP_PLACE_MANAGE)
            )
            setattr(user_obj, self.cache_name, {ACCESS_ADMIN} if manages else set())
        return getattr(user_obj, self.cache_name)
