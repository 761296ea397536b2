"""Learners one step from the certificate, or holding it: a small framework (one
in-person competency), a pilot EPCI, attainments made directly."""

from datetime import date, timedelta

from django.utils import timezone

from accounts.models import Role
from assessments.models import Attainment, AttainmentSource
from curriculum.models import Competency, Framework
from territories.models import Pilot
from tests.factories import (
    CommuneFactory,
    EPCIFactory,
    LearnerProfileFactory,
    RoleMembershipFactory,
)


def framework_publish(*, version: int = 1, count: int = 3, in_person=(3,)) -> Framework:
    """A published framework version; competency n°3 is validated in person."""
    competencies = [
        Competency.objects.get_or_create(
            code=f"TEST-{number:02d}",
            defaults={
                "label": f"Savoir faire la démarche n°{number}",
                "description": "Pour les tests.",
                "requires_in_person": number in in_person,
            },
        )[0]
        for number in range(1, count + 1)
    ]
    framework = Framework(version=version)
    framework.save()
    framework.competencies.set(competencies)
    framework.save()
    # Published through the queryset: a published version refuses save().
    Framework.objects.filter(pk=framework.pk).update(
        published_at=timezone.now() - timedelta(days=version)
    )
    framework.refresh_from_db()
    return framework


def pilot_epci(*, name: str = "CC du Perche", starts_on=None, ends_on=None):
    epci = EPCIFactory(name=name)
    today = timezone.localdate()
    Pilot.objects.create(
        epci=epci,
        name=f"Expérimentation {name}",
        starts_on=starts_on or today - timedelta(days=90),
        ends_on=ends_on if ends_on is not None else today + timedelta(days=270),
    )
    return epci


def years_ago(years: int, *, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


def learner_in(epci, *, age: int = 17, **user):
    profile = LearnerProfileFactory(
        commune=CommuneFactory(epci=epci, name="Nogent-le-Rotrou"),
        birth_date=years_ago(age, days=10),
        **{f"user__{key}": value for key, value in user.items()},
    )
    return profile.user


def attain(learner, framework, *, skip=()) -> None:
    """Every competency of the version but the codes in `skip`; in-person ones as an
    informer would record them."""
    now = timezone.now()
    Attainment.objects.bulk_create(
        Attainment(
            learner=learner,
            competency=competency,
            framework=framework,
            source=AttainmentSource.IN_PERSON
            if competency.requires_in_person
            else AttainmentSource.QUIZ,
            attained_at=now,
        )
        for competency in framework.competencies.all()
        if competency.code not in skip
    )


def coordinator_of(epci):
    return RoleMembershipFactory(role=Role.COORDINATOR, epci=epci).user
