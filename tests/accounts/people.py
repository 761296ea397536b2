"""A learner who has used everything the platform offers, built through the real
services: the person whose data the export must show and the deletion must erase."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.utils import timezone
from wagtail.log_actions import log
from wagtail.users.models import UserProfile

from accounts.models import User
from accounts.selectors import terms_current
from accounts.services import learner_onboard
from assessments import services as assessments
from certificates.models import Certificate
from certificates.services import certificate_issue
from curriculum.models import ModulePage
from curriculum.selectors import framework_current
from reminders import services as reminders
from reminders.models import (
    Concern,
    DeliveryStatus,
    EventKind,
    PersonalDeadline,
    ReminderDelivery,
)
from territories.models import Commune, Pilot
from tests.assessments.conftest import MODULE_SLUG, answers_for
from tests.assessments.informers import help_place, informer_at
from tests.factories import UserFactory


@dataclass
class Person:
    user: User
    email: str
    first_name: str
    birth_date: date


def learner_with_everything(
    *, email: str, first_name: str, birth_date: date, commune: str, client=None
) -> Person:
    """Onboarded (terms accepted), one graded quiz with attainments, a planning with
    a date entered, a situation ticked, a deadline done, a reminder sent and others
    pending, a CMS profile, and — if `client` is given — an open session."""
    today = timezone.localdate()
    user = UserFactory(email=email, first_name="")
    learner_onboard(
        user=user,
        first_name=first_name,
        birth_date=birth_date,
        commune=Commune.objects.get(name=commune),
        terms=terms_current(),
        terms_accepted=True,
        today=today,
    )
    user.refresh_from_db()

    module = ModulePage.objects.get(slug=MODULE_SLUG)
    attempt = assessments.attempt_start(
        learner=user, module=module, rng=random.Random(0)
    )
    assessments.attempt_submit(
        attempt_id=attempt.pk, learner=user, data=answers_for(attempt, right=True)
    )

    reminders.reminder_preferences_update(
        learner=user,
        enabled=True,
        remind_on_opening=True,
        days_before=[30, 7, 1],
        concerns=[Concern.JOB_SEEKER, Concern.PRIME_ACTIVITE],
    )
    reminders.learner_event_set(
        learner=user, kind=EventKind.C2S_END, day=today + timedelta(days=200)
    )
    reminders.learner_event_set(
        learner=user, kind=EventKind.PRIME_ACTIVITE, day=today + timedelta(days=40)
    )
    deadline = PersonalDeadline.objects.filter(learner=user, done_at=None).first()
    reminders.deadline_mark_done(learner=user, deadline_id=deadline.pk, done=True)
    sent = ReminderDelivery.objects.filter(
        learner=user, status=DeliveryStatus.PENDING
    ).first()
    sent.status, sent.sent_at, sent.attempts = DeliveryStatus.SENT, timezone.now(), 1
    sent.save()
    reminders.feed_token_regenerate(learner=user)

    UserProfile.get_for_user(user)
    if client is not None:
        client.force_login(user)
    return Person(user, email, first_name, birth_date)


def certified(person: Person) -> Certificate:
    """Takes `person` the rest of the way, through the real services: every other
    quiz passed, her record opened with a passport at a help place of her EPCI, the
    in-person competencies validated there (one withdrawn by mistake, then validated
    again, which also writes a line of the place's register), the pilot running: her
    certificate is issued."""
    user = person.user
    for module in ModulePage.objects.live().exclude(slug=MODULE_SLUG):
        attempt = assessments.attempt_start(learner=user, module=module)
        assessments.attempt_submit(
            attempt_id=attempt.pk, learner=user, data=answers_for(attempt, right=True)
        )
    epci = user.learner_profile.commune.epci
    place = help_place("PIJ du Perche", epci=epci)
    informer = informer_at(place).user
    _, code = assessments.passport_issue(learner=user)
    passport = assessments.passport_redeem(informer=informer, code=code, place=place)
    in_person = framework_current().competencies.filter(requires_in_person=True)
    assert in_person.exists()
    for competency in in_person:
        validation = assessments.validation_record(
            informer=informer,
            passport_id=passport.pk,
            competency_id=competency.pk,
            note=f"{person.first_name} l'a fait seule, devant moi.",
        )
    assessments.validation_withdraw(
        actor=informer, validation_id=validation.pk, reason="Mauvaise compétence."
    )
    assessments.validation_record(
        informer=informer,
        passport_id=passport.pk,
        competency_id=validation.competency_id,
        note="Refaite devant moi.",
    )
    today = timezone.localdate()
    Pilot.objects.create(
        epci=epci, name="Expérimentation", starts_on=today - timedelta(days=30)
    )
    certificate = certificate_issue(learner_id=user.pk).certificate
    assert certificate is not None
    return certificate


def admin_history_about(user: User, admin: User) -> None:
    """What Django's admin and the CMS write when staff edit an account: lines that
    carry the account's name (its e-mail address)."""
    LogEntry.objects.log_actions(
        user_id=admin.pk,
        queryset=[user, user.learner_profile],
        action_flag=CHANGE,
        change_message="Prénom modifié.",
        single_object=False,
    )
    log(instance=user, action="wagtail.edit", user=admin)
