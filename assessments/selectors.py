"""Reads a learner sees: their own attempts and progress only."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.http import QueryDict
from django.utils import timezone

from curriculum.models import Competency, Framework, ModulePage
from curriculum.selectors import framework_current, module_list

from .models import (
    Attainment,
    Attempt,
    AttemptState,
    ServedQuestion,
)
from .submission import as_small_int, field_name, rank_field_name


def attempt_get_for_learner(*, learner, attempt_id) -> Attempt | None:
    """The learner's own attempt with what was served; None for anyone else's."""
    return (
        Attempt.objects.filter(pk=attempt_id, learner=learner)
        .select_related("module", "framework")
        .prefetch_related(
            Prefetch(
                "served_questions",
                ServedQuestion.objects.select_related("competency").order_by(
                    "position"
                ),
            )
        )
        .first()
    )


@dataclass
class ServedOption:
    """One option as served, with what the learner did with it."""

    token: str
    text: str
    feedback: str
    correct: bool
    selected: bool
    rank: int | None = None  # learner's rank, for "order" questions


@dataclass
class ServedQuestionView:
    item: ServedQuestion
    options: list[ServedOption]

    @property
    def is_right(self) -> bool:
        return self.item.score is not None and self.item.score == 1

    @property
    def correct_order(self) -> list[str]:
        ranked = sorted(self.item.options, key=lambda option: option["rank"])
        return [option["text"] for option in ranked]


def served_questions_view(
    *, attempt: Attempt, data: QueryDict | None = None
) -> list[ServedQuestionView]:
    """Questions and their options exactly as served, and the learner's answers:
    stored ones after grading, or the submitted form's after a refusal, so nothing
    the learner ticked is lost."""
    data = data or QueryDict()
    views = []
    for item in attempt.served_questions.all():
        ticked = set(data.getlist(field_name(item.position)))
        options = []
        for option in item.options:
            token = option["token"]
            if item.answer is not None:
                selected = token in item.answer
                rank = item.answer.index(token) + 1 if item.is_order else None
            else:
                selected = token in ticked
                rank = as_small_int(data.get(rank_field_name(item.position, token), ""))
            options.append(
                ServedOption(
                    token=token,
                    text=option["text"],
                    feedback=option["feedback"],
                    correct=option["correct"],
                    selected=selected,
                    rank=rank,
                )
            )
        views.append(ServedQuestionView(item=item, options=options))
    return views


@dataclass
class CompetencyState:
    competency: Competency
    attained: bool
    source: str = ""


@dataclass
class ModuleProgress:
    module: ModulePage
    competencies: list[CompetencyState]
    started: bool
    quiz_done: bool

    @property
    def quiz_competencies(self) -> list[CompetencyState]:
        return [c for c in self.competencies if not c.competency.requires_in_person]

    @property
    def state(self) -> str:
        # A module whose competencies all need an informer is "acquis" once its quiz
        # is done; what remains is listed as "à valider avec un·e informateur·rice".
        quiz = self.quiz_competencies
        if all(c.attained for c in quiz) and (quiz or self.quiz_done):
            return "acquis"
        if self.started or any(c.attained for c in self.competencies):
            return "en cours"
        return "à découvrir"


@dataclass
class LearnerProgress:
    framework: Framework | None
    modules: list[ModuleProgress] = field(default_factory=list)
    attained: list[CompetencyState] = field(default_factory=list)
    missing: list[CompetencyState] = field(default_factory=list)

    @property
    def next_module(self) -> ModulePage | None:
        for progress in self.modules:
            if progress.state != "acquis":
                return progress.module
        return None

    @property
    def total(self) -> int:
        return len(self.attained) + len(self.missing)

    @property
    def missing_in_person(self) -> list[CompetencyState]:
        return [c for c in self.missing if c.competency.requires_in_person]


def learner_progress(*, learner) -> LearnerProgress:
    """Modules with their state, competencies attained and missing: a fixed number
    of queries whatever the number of modules, questions and attempts."""
    framework = framework_current()
    progress = LearnerProgress(framework=framework)
    if framework is None:
        return progress
    attained = {
        a.competency_id: a
        for a in Attainment.objects.filter(learner=learner, framework=framework)
    }
    attempt_states = set(
        Attempt.objects.filter(learner=learner)
        .values_list("module_id", "state")
        .distinct()
    )
    started = {module_id for module_id, _ in attempt_states}
    graded = {m for m, state in attempt_states if state == AttemptState.GRADED}
    required = list(framework.competencies.order_by("code"))
    required_ids = {c.pk for c in required}

    def state(competency: Competency) -> CompetencyState:
        attainment = attained.get(competency.pk)
        return CompetencyState(
            competency=competency,
            attained=attainment is not None,
            source=attainment.get_source_display() if attainment else "",
        )

    for module in module_list():
        competencies = [
            state(c)
            for c in sorted(module.competencies.all(), key=lambda c: c.code)
            if c.pk in required_ids
        ]
        progress.modules.append(
            ModuleProgress(
                module=module,
                competencies=competencies,
                started=module.pk in started,
                quiz_done=module.pk in graded,
            )
        )
    for competency in required:
        (progress.attained if competency.pk in attained else progress.missing).append(
            state(competency)
        )
    return progress


@dataclass
class QuizPanel:
    """What the module page offers about its quiz to this visitor."""

    can_start: bool = False
    ongoing: Attempt | None = None
    last: Attempt | None = None
    retry_at: datetime | None = None
    cooldown_minutes: int = 0
    attained_codes: set[str] = field(default_factory=set)


def quiz_panel_for(
    *, user, module: ModulePage, now: datetime | None = None
) -> QuizPanel:
    now = now or timezone.now()
    panel = QuizPanel()
    framework = framework_current()
    if not user.is_authenticated or framework is None:
        return panel
    panel.cooldown_minutes = framework.quiz_cooldown_minutes
    attempts = list(
        Attempt.objects.filter(learner=user, module=module).order_by("-started_at")[:5]
    )
    panel.ongoing = next(
        (
            a
            for a in attempts
            if a.state == AttemptState.IN_PROGRESS and a.expires_at > now
        ),
        None,
    )
    panel.last = next((a for a in attempts if a.is_graded), None)
    if panel.last is not None:
        retry_at = panel.last.retry_at(framework.quiz_cooldown_minutes)
        panel.retry_at = retry_at if retry_at > now else None
    panel.attained_codes = set(
        Attainment.objects.filter(
            learner=user, framework=framework, competency__modules=module
        ).values_list("competency__code", flat=True)
    )
    panel.can_start = panel.ongoing is None and panel.retry_at is None
    return panel


def attempt_result_for(*, attempt: Attempt) -> dict:
    """What the result page shows: each question's feedback, the competencies
    attained by this attempt or before, and what remains."""
    questions = served_questions_view(attempt=attempt)
    competencies = {}
    for view in questions:
        competencies.setdefault(view.item.competency, []).append(view.is_right)
    attained = set(
        Attainment.objects.filter(
            learner=attempt.learner_id,
            framework=attempt.framework_id,
            competency__in=list(competencies),
        ).values_list("competency_id", flat=True)
    )
    states = [
        {
            "competency": competency,
            "right": sum(results),
            "total": len(results),
            "attained": competency.pk in attained,
        }
        for competency, results in sorted(
            competencies.items(), key=lambda kv: kv[0].code
        )
    ]
    retry_at = attempt.retry_at(attempt.framework.quiz_cooldown_minutes)
    return {
        "questions": questions,
        "right_count": sum(1 for view in questions if view.is_right),
        "competency_states": states,
        "has_failures": any(
            not s["attained"] and not s["competency"].requires_in_person for s in states
        ),
        "retry_at": retry_at if retry_at > timezone.now() else None,
    }
