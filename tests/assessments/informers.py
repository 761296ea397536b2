"""Informers at their help places, for the in-person validation tests."""

from accounts.models import Role, RoleMembership
from assessments import services
from directory.models import HelpPlace
from tests.directory.places import place
from tests.factories import CommuneFactory, RoleMembershipFactory


def help_place(name: str, *, epci=None) -> HelpPlace:
    """A help place in a commune of its own EPCI (a new one unless given)."""
    commune = CommuneFactory(**({"epci": epci} if epci else {}))
    return place(
        commune, f"lieu-{name.lower().replace(' ', '-')}", nom=name, epci=commune.epci
    )


def informer_at(*places: HelpPlace, **user_fields) -> RoleMembership:
    """An informer of the first place's EPCI, working at these places."""
    membership = RoleMembershipFactory(
        role=Role.INFORMER,
        epci=places[0].epci,
        user__first_name=user_fields.pop("first_name", "Karim"),
        **{f"user__{k}": v for k, v in user_fields.items()},
    )
    membership.places.set(places)
    return membership


def opened_record(*, learner, informer, place: HelpPlace, now=None):
    """The learner shows a code; the informer opens their record with it."""
    _, code = services.passport_issue(learner=learner, now=now)
    return services.passport_redeem(informer=informer, code=code, place=place, now=now)
