"""The learner's planning for the "Mes données" export, and its recomputation when
the learner corrects their profile (see accounts.personal_data)."""

from django.conf import settings
from django.urls import reverse

from accounts.personal_data import (
    Section,
    profile_changed_register,
    section_register,
)

from . import services
from .models import (
    Concern,
    LearnerEvent,
    PersonalDeadline,
    ReminderDelivery,
    ReminderSettings,
)


def _settings(user) -> dict | None:
    reminder_settings = ReminderSettings.objects.filter(learner=user).first()
    if reminder_settings is None:
        return None
    labels = dict(Concern.choices)
    return {
        "rappels_par_email": reminder_settings.enabled,
        "le_jour_où_une_démarche_ouvre": reminder_settings.remind_on_opening,
        "jours_avant_la_date_limite": reminder_settings.days_before,
        "ce_qui_te_concerne": [labels.get(c, c) for c in reminder_settings.concerns],
        # The learner's own secret: the file is theirs, and says more than it.
        "adresse_secrète_de_ton_agenda": settings.SITE_URL
        + reverse("reminders:feed", args=[reminder_settings.feed_token]),
        "adresse_email_refusée_depuis": reminder_settings.email_failing_since,
    }


def _events(user) -> list:
    return [
        {"date_de": event.get_kind_display(), "date": event.day}
        for event in LearnerEvent.objects.filter(learner=user).order_by("kind")
    ]


def _deadlines(user) -> list:
    return [
        {
            "démarche": deadline.rule.title,
            "ouvre_le": deadline.opens_on,
            "ferme_le": deadline.closes_on,
            "faite_le": deadline.done_at,
        }
        for deadline in PersonalDeadline.objects.filter(learner=user)
        .select_related("rule")
        .order_by("closes_on", "rule__code")
    ]


def _deliveries(user) -> list:
    return [
        {
            "démarche": delivery.deadline.rule.title,
            "rappel": delivery.offset,
            "prévu_le": delivery.due_at,
            "état": delivery.get_status_display(),
            "envoyé_le": delivery.sent_at,
            "essais": delivery.attempts,
            "échec": delivery.get_failure_display(),
            "dernière_erreur": delivery.last_error,
        }
        for delivery in ReminderDelivery.objects.filter(learner=user)
        .select_related("deadline__rule")
        .order_by("due_at", "pk")
    ]


def _recompute(*, user, today) -> None:
    services.deadlines_compute(learner=user, today=today)


def register() -> None:
    profile_changed_register(_recompute)
    for section in (
        Section(
            key="réglages_des_rappels",
            order=80,
            title="Tes réglages de rappels",
            intro="Quand t'écrire, ce que tu nous as dit de ta situation, et "
            "l'adresse secrète de ton agenda (garde-la pour toi ; tu peux la "
            "changer depuis « Mon planning »).",
            models=("reminders.remindersettings",),
            read=_settings,
        ),
        Section(
            key="dates_indiquées",
            order=85,
            title="Les dates que tu as indiquées",
            intro="Dans « Mon planning », pour calculer tes rappels.",
            models=("reminders.learnerevent",),
            read=_events,
        ),
        Section(
            key="échéances",
            order=90,
            title="Tes échéances",
            intro="Calculées avec ta date de naissance et les dates que tu as "
            "indiquées ; « faite le » quand tu l'as cochée.",
            models=("reminders.personaldeadline",),
            read=_deadlines,
        ),
        Section(
            key="rappels_par_email",
            order=95,
            title="Tes rappels par e-mail",
            intro="Ceux qui sont prévus et ceux qui sont partis.",
            models=("reminders.reminderdelivery",),
            read=_deliveries,
            journal_targets=lambda user: ReminderDelivery.objects.filter(learner=user),
        ),
    ):
        section_register(section)
