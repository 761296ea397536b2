from dataclasses import dataclass
from datetime import date, datetime

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.text import Truncator

from core.formatting import date_text
from core.sources import checks_expire_before

from .models import Competency, Framework, LegalPage, ModulePage, Procedure


def legal_page_list() -> QuerySet[LegalPage]:
    return LegalPage.objects.live().only("title", "url_path", "kind").order_by("kind")


def framework_current(*, now: datetime | None = None) -> Framework | None:
    """The framework version in force (at `now`, if given): the latest published."""
    published = Framework.objects.published()
    if now is not None:
        published = published.filter(published_at__lte=now)
    return published.order_by("-published_at", "-version").first()


# Competencies of published versions, by (framework id, publication moment).
_published_competencies: dict[tuple[int, datetime], list[Competency]] = {}


def framework_competencies(framework: Framework) -> list[Competency]:
    """The competencies of a framework version, by code, with the fields that a
    published version freezes (code, label, in person or not). A published version
    never changes, so its list is read once per process: issuing certificates asks
    for it for every learner."""
    key = (framework.pk, framework.published_at)
    competencies = _published_competencies.get(key)
    if competencies is None:
        competencies = list(
            framework.competencies.only("pk", *Competency.FROZEN_FIELDS).order_by(
                "code"
            )
        )
        if framework.published_at is not None:
            _published_competencies[key] = competencies
    return list(competencies)


def framework_versions_with(competency_id: int | None) -> list[Framework]:
    """The framework versions a competency belongs to, oldest first."""
    if competency_id is None:
        return []
    return list(
        Framework.objects.filter(competencies=competency_id)
        .only("version", "published_at")
        .order_by("version")
    )


def module_list() -> QuerySet[ModulePage]:
    """Live modules in the page tree's order, with their competencies."""
    return ModulePage.objects.live().order_by("path").prefetch_related("competencies")


@dataclass(frozen=True)
class FactKind:
    """A kind of item whose facts editors check again: its model, its name, and the
    permission that lets an editor change it."""

    model: type[models.Model]
    label: str
    permission: str


def fact_kinds() -> dict[str, FactKind]:
    """By the key the « À revérifier » page posts."""
    from assessments.models import Question
    from reminders.models import DeadlineRule, DeadlineWindow

    return {
        "demarche": FactKind(
            Procedure, "Fiche démarche", "curriculum.change_procedure"
        ),
        "question": FactKind(
            Question, "Explication d'une question", "assessments.change_question"
        ),
        "echeance": FactKind(
            DeadlineRule, "Règle d'échéance", "reminders.change_deadlinerule"
        ),
        # A window is part of its rule: whoever changes the rule confirms its dates.
        "fenetre": FactKind(
            DeadlineWindow, "Dates estimées", "reminders.change_deadlinerule"
        ),
    }


@dataclass(frozen=True)
class FactToCheck:
    kind: str
    label: str
    pk: int
    title: str
    checked_on: date | None
    source_url: str
    edit_target: models.Model


def facts_to_check(*, user, today: date) -> list[FactToCheck]:
    """What this editor may change and should check again: the items never checked or
    checked more than 12 months ago, then the yearly windows (Parcoursup, DSE, impôts)
    not closed yet whose dates are still estimates."""
    kinds = fact_kinds()
    allowed = {key for key, kind in kinds.items() if user.has_perm(kind.permission)}
    stale = Q(checked_on__isnull=True) | Q(checked_on__lt=checks_expire_before(today))
    found = []
    if "demarche" in allowed:
        found += [
            FactToCheck(
                "demarche",
                kinds["demarche"].label,
                procedure.pk,
                procedure.title,
                procedure.checked_on,
                procedure.source_url,
                procedure,
            )
            for procedure in Procedure.objects.filter(stale).order_by(
                "checked_on", "title"
            )
        ]
    if "question" in allowed:
        questions = kinds["question"].model.objects.filter(stale, is_active=True)
        found += [
            FactToCheck(
                "question",
                kinds["question"].label,
                question.pk,
                f"{question.competency.code} — {Truncator(question.prompt).words(12)}",
                question.checked_on,
                question.source_url,
                question,
            )
            for question in questions.select_related("competency").order_by(
                "checked_on", "pk"
            )
        ]
    if "echeance" in allowed:
        rules = kinds["echeance"].model.objects.filter(stale, is_active=True)
        found += [
            FactToCheck(
                "echeance",
                kinds["echeance"].label,
                rule.pk,
                f"{rule.code} — {rule.title}",
                rule.checked_on,
                rule.official_url,
                rule,
            )
            for rule in rules.order_by("checked_on", "code")
        ]
    if "fenetre" in allowed:
        windows = kinds["fenetre"].model.objects.filter(
            dates_estimated=True, closes_on__gte=today, rule__is_active=True
        )
        found += [
            FactToCheck(
                "fenetre",
                kinds["fenetre"].label,
                window.pk,
                f"{window.rule.code} — du {date_text(window.opens_on)} "
                f"au {date_text(window.closes_on)}",
                None,
                window.rule.official_url,
                window.rule,
            )
            for window in windows.select_related("rule").order_by(
                "opens_on", "rule__code"
            )
        ]
    return found
