"""Who manages which help places.

The staff roles live in `accounts`, which the directory does not import (it depends
only on core and territories): the setting `HELP_PLACE_PERMISSION_POLICY` names a
function that builds the Wagtail permission policy deciding it, given the model.
"""

from functools import cache

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils.module_loading import import_string

from territories.models import EPCI

from .models import HelpPlace


@cache
def help_place_policy():
    return import_string(settings.HELP_PLACE_PERMISSION_POLICY)(HelpPlace)


def managed_epci_ids(user) -> set[int] | None:
    """The EPCIs whose places the user manages; None for all of them."""
    return help_place_policy().managed_epci_ids(user)


def managed_epci_ids_or_refuse(user) -> set[int] | None:
    """The same, refused (Wagtail's "permission denied") when there are none."""
    allowed = managed_epci_ids(user)
    if allowed is not None and not allowed:
        raise PermissionDenied
    return allowed


def managed_epci_list(user):
    allowed = managed_epci_ids(user)
    epcis = EPCI.objects.order_by("name")
    return epcis if allowed is None else epcis.filter(pk__in=allowed)
