"""Reads a learner sees: their own attempts and progress only."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils import timezone

from accounts.permissions import (
    Action,
    epci_ids_for,
    informer_place_ids,
    place_ids_for,
    user_can,
)
from accounts.services import age_on
from curriculum.models import Competency, Framework, ModulePage
from curriculum.selectors import framework_current, module_list
from directory.models import HelpPlace

from .models import (
    AgeBand,
    Attainment,
    Attempt,
    AttemptState,
    InPersonValidation,
    Passport,
    ServedQuestion,
    Visit,
    VisitPurpose,
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


def informer_place_list(*, user) -> QuerySet[HelpPlace]:
    """The help places where the user works as an informer."""
    return HelpPlace.objects.filter(pk__in=informer_place_ids(user)).order_by("nom")


def passport_get_unspent(
    *, learner, passport_id, now: datetime | None = None
) -> Passport | None:
    """The learner's own code still usable (not expired, not spent), if any."""
    if not passport_id:
        return None
    return Passport.objects.filter(
        pk=passport_id,
        learner=learner,
        redeemed_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    ).first()


def passport_access_get(
    *, informer, passport_id, now: datetime | None = None
) -> Passport | None:
    """The learner's record this informer opened with a code, while it is open;
    None for anyone else's, and once the two hours are over."""
    return (
        Passport.objects.filter(
            pk=passport_id,
            redeemed_by=informer,
            access_until__gt=now or timezone.now(),
        )
        .select_related("place", "learner__learner_profile__commune")
        .first()
    )


@dataclass
class LearnerRecord:
    """What an informer sees of a learner: first name, age, commune, progress."""

    first_name: str
    age: int
    commune: str
    progress: LearnerProgress
    validations: dict[int, InPersonValidation]

    @property
    def in_person(self) -> list[tuple[CompetencyState, InPersonValidation | None]]:
        """Each competency to validate in person, with the validation that holds
        it (if any)."""
        states = sorted(
            self.progress.attained + self.progress.missing,
            key=lambda state: state.competency.code,
        )
        return [
            (state, self.validations.get(state.competency.pk))
            for state in states
            if state.competency.requires_in_person
        ]

    @property
    def others(self) -> list[CompetencyState]:
        return [
            state
            for state in self.progress.attained + self.progress.missing
            if not state.competency.requires_in_person
        ]


def learner_record_for(*, passport: Passport, today: date | None = None):
    learner = passport.learner
    profile = learner.learner_profile
    progress = learner_progress(learner=learner)
    validations = {}
    if progress.framework is not None:
        validations = {
            validation.competency_id: validation
            for validation in InPersonValidation.objects.filter(
                learner=learner, framework=progress.framework, withdrawal__isnull=True
            ).select_related("informer", "place")
        }
    return LearnerRecord(
        first_name=learner.first_name,
        age=age_on(birth_date=profile.birth_date, day=today or timezone.localdate()),
        commune=profile.commune.name,
        progress=progress,
        validations=validations,
    )


def validation_list_for_learner(*, learner) -> QuerySet[InPersonValidation]:
    """Who validated what, where and when (withdrawals included, with their
    reason): the learner's own."""
    return (
        InPersonValidation.objects.filter(learner=learner)
        .select_related("competency", "informer", "place", "withdrawal")
        .order_by("-validated_at")
    )


def record_opening_list_for_learner(*, learner) -> QuerySet[Passport]:
    """The staff who opened the learner's record with a code, and where."""
    return (
        Passport.objects.filter(learner=learner, redeemed_at__isnull=False)
        .select_related("redeemed_by", "place")
        .order_by("-redeemed_at")
    )


def validation_list_for_informer(*, informer) -> QuerySet[InPersonValidation]:
    """The validations this informer made, newest first."""
    return (
        InPersonValidation.objects.filter(informer=informer)
        .select_related("competency", "place", "learner", "withdrawal")
        .order_by("-validated_at")
    )


@dataclass
class CoordinationOverview:
    """A coordinator's view of in-person work in their EPCIs: the places (and
    their registers) and the latest validations made there."""

    places: list[HelpPlace]
    validations: list[InPersonValidation]


def coordination_overview(*, user, latest: int = 10) -> CoordinationOverview:
    """Three queries, whatever the size of the territory."""
    epci_ids = epci_ids_for(user, Action.VALIDATION_WITHDRAW)
    places = HelpPlace.objects.order_by("nom")
    validations = InPersonValidation.objects.select_related(
        "competency", "place", "learner", "withdrawal"
    ).order_by("-validated_at")
    if epci_ids is not None:
        places = places.filter(epci_id__in=epci_ids)
        validations = validations.filter(place__epci_id__in=epci_ids)
    return CoordinationOverview(list(places), list(validations[:latest]))


def validation_get_for_withdrawal(*, user, pk: int) -> InPersonValidation | None:
    """A validation the user may withdraw: their own, or one made at a place of an
    EPCI they coordinate (the same rule as the service)."""
    validation = (
        InPersonValidation.objects.select_related(
            "competency", "place", "learner", "informer", "withdrawal"
        )
        .filter(pk=pk)
        .first()
    )
    if validation is None or not (
        validation.informer_id == user.pk
        or user_can(user, Action.VALIDATION_WITHDRAW, validation.place)
    ):
        return None
    return validation


def visit_list_today(*, places, now: datetime | None = None) -> QuerySet[Visit]:
    today = timezone.localdate(now)
    return (
        Visit.objects.filter(place__in=places, visited_at__date=today)
        .select_related("place", "commune")
        .order_by("-visited_at")
    )


def register_place_get(*, user, pk: int) -> HelpPlace | None:
    """A place whose register the user may read: one where they inform, one of an
    EPCI they coordinate, or any for a superuser."""
    allowed = place_ids_for(user, Action.VISIT_REGISTER_VIEW)
    if allowed is not None and pk not in allowed:
        return None
    return HelpPlace.objects.filter(pk=pk).first()


@dataclass
class RegisterSummary:
    """A place's month, as the CAF asks it: counts by purpose, commune and age
    band, total time, printing."""

    place: HelpPlace
    month: date
    visits: list[Visit]
    by_purpose: list[tuple[str, int]]
    by_commune: list[tuple[str, int]]
    by_age_band: list[tuple[str, int]]
    total_minutes: int
    printed: int

    @property
    def count(self) -> int:
        return len(self.visits)

    @property
    def bars(self) -> list[dict]:
        """The chart's bars by purpose (row height 10, longest bar 180)."""
        largest = max((count for _, count in self.by_purpose), default=0) or 1
        return [
            {
                "label": label,
                "count": count,
                "y": 10 * row,
                "width": 180 * count // largest,
            }
            for row, (label, count) in enumerate(self.by_purpose)
        ]

    @property
    def chart_height(self) -> int:
        return 10 * len(self.by_purpose)

    @property
    def previous_month(self) -> str:
        """?mois= of the month before, and after."""
        return f"{(self.month - timedelta(days=1)).replace(day=1):%Y-%m}"

    @property
    def next_month(self) -> str:
        return f"{(self.month + timedelta(days=32)).replace(day=1):%Y-%m}"

    @property
    def month_param(self) -> str:
        return f"{self.month:%Y-%m}"


def register_summary(*, place: HelpPlace, month: date) -> RegisterSummary:
    """One month of a place's register (Paris time), whatever its size: one query
    for the visits."""
    start = timezone.make_aware(datetime(month.year, month.month, 1))
    next_month = (month + timedelta(days=32)).replace(day=1)
    end = timezone.make_aware(datetime(next_month.year, next_month.month, 1))
    visits = list(
        Visit.objects.filter(place=place, visited_at__gte=start, visited_at__lt=end)
        .select_related("commune")
        .order_by("visited_at")
    )
    purposes = Counter(visit.purpose for visit in visits)
    communes = Counter(
        visit.commune.name if visit.commune else "non précisée" for visit in visits
    )
    bands = Counter(visit.age_band for visit in visits)
    return RegisterSummary(
        place=place,
        month=month,
        visits=visits,
        # Every purpose and age band, zeros included: months compare line by line.
        by_purpose=[(label, purposes[value]) for value, label in VisitPurpose.choices],
        by_commune=sorted(communes.items(), key=lambda item: (-item[1], item[0])),
        by_age_band=[(label, bands[value]) for value, label in AgeBand.choices],
        total_minutes=sum(visit.minutes for visit in visits),
        printed=sum(1 for visit in visits if visit.printed),
    )
