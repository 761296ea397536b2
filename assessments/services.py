import random
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone

from core.formatting import datetime_text
from core.services import journal_record
from curriculum.models import Framework, ModulePage
from curriculum.selectors import framework_current

from . import grading
from .errors import AssessmentsError, AttemptAlreadyGraded
from .events import attainment_recorded_notify
from .models import (
    Attainment,
    AttainmentSource,
    Attempt,
    AttemptState,
    Question,
    QuestionKind,
    ServedQuestion,
)
from .submission import new_tokens, parse_submission


def _local(moment: datetime) -> str:
    return datetime_text(moment, weekday=True, year=False)


def _draw_questions(
    *, module: ModulePage, framework: Framework, rng: random.Random
) -> list[Question]:
    competency_ids = set(framework.competencies.values_list("pk", flat=True))
    bank = defaultdict(list)
    questions = (
        Question.objects.filter(
            is_active=True,
            competency__in=module.competencies.all(),
            competency_id__in=competency_ids,
        )
        .select_related("competency")
        .prefetch_related("choices")
        .order_by("competency__code", "pk")
    )
    for question in questions:
        bank[question.competency.code].append(question)
    drawn: list[Question] = []
    for code in sorted(bank):
        pool = bank[code]
        drawn.extend(
            rng.sample(pool, min(framework.questions_per_competency, len(pool)))
        )
    return drawn


def _serve(
    *, attempt: Attempt, question: Question, position: int, rng: random.Random
) -> ServedQuestion:
    """The question as served: its text and its options, shuffled, each behind a
    fresh random token. "Order" questions are entered in the right order."""
    is_order = question.kind == QuestionKind.ORDER
    choices = list(question.choices.all())
    options = [
        {
            "token": token,
            "text": choice.text,
            "feedback": choice.feedback,
            "correct": is_order or choice.is_correct,
            "rank": rank if is_order else None,
        }
        for rank, (choice, token) in enumerate(
            zip(choices, new_tokens(len(choices)), strict=True), start=1
        )
    ]
    rng.shuffle(options)
    return ServedQuestion(
        attempt=attempt,
        question=question,
        competency=question.competency,
        position=position,
        kind=question.kind,
        prompt=question.prompt,
        explanation=question.explanation,
        options=options,
    )


def attempt_start(
    *,
    learner,
    module: ModulePage,
    now: datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start (or resume) the module's quiz: draws questions per competency and
    shuffles their options; refused during the cooldown after a graded attempt."""
    now = now or timezone.now()
    rng = rng or random.SystemRandom()
    if not learner.is_onboarded:
        raise AssessmentsError("Complète ton profil avant de faire un quiz.")
    framework = framework_current()
    if framework is None:
        raise AssessmentsError("Les quiz ne sont pas encore ouverts : reviens bientôt.")
    with transaction.atomic():
        # One start at a time per learner: two tabs cannot open two quizzes at once.
        get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
        attempts = Attempt.objects.filter(learner=learner, module=module)
        ongoing = attempts.filter(
            state=AttemptState.IN_PROGRESS, expires_at__gt=now
        ).first()
        if ongoing is not None:
            return ongoing
        last = (
            attempts.filter(state=AttemptState.GRADED).order_by("-submitted_at").first()
        )
        if last is not None:
            retry_at = last.retry_at(framework.quiz_cooldown_minutes)
            if now < retry_at:
                raise AssessmentsError(
                    f"Tu pourras refaire ce quiz à partir du {_local(retry_at)}. "
                    "En attendant, relis le module : c'est le meilleur entraînement."
                )
        questions = _draw_questions(module=module, framework=framework, rng=rng)
        if not questions:
            raise AssessmentsError("Ce module n'a pas encore de quiz.")
        attempt = Attempt.objects.create(
            learner=learner,
            module=module,
            framework=framework,
            started_at=now,
            expires_at=now + timedelta(minutes=framework.attempt_time_limit_minutes),
        )
        ServedQuestion.objects.bulk_create(
            [
                _serve(attempt=attempt, question=question, position=position, rng=rng)
                for position, question in enumerate(questions, start=1)
            ]
        )
    return attempt


def attempt_submit(
    *, attempt_id, learner, data: QueryDict, now: datetime | None = None
) -> Attempt:
    """Grade a quiz once, from what was served. The attempt row is locked, so a
    double click or a second tab waits, then finds the attempt graded and changes
    nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .select_related("framework")
            .filter(pk=attempt_id, learner=learner)
            .first()
        )
        if attempt is None:
            raise AssessmentsError("Ce quiz n'existe pas.")
        if attempt.is_graded:
            raise AttemptAlreadyGraded()
        if now >= attempt.expires_at:
            raise AssessmentsError(
                "Ce quiz a expiré parce qu'il a été commencé il y a trop longtemps. "
                "Pas de panique : recommence-le depuis la page du module."
            )
        served = list(
            attempt.served_questions.select_related("competency").order_by("position")
        )
        answers = parse_submission(served=served, data=data)
        for item in served:
            item.answer = answers[item.position]
            item.score = grading.answer_score(
                kind=item.kind, correct_in_order=item.right_answer, answer=item.answer
            )
        ServedQuestion.objects.bulk_update(served, ["answer", "score"])

        attempt.score = grading.competency_score(
            [item.score for item in served]
        ).quantize(Decimal("0.001"))
        attempt.state = AttemptState.GRADED
        attempt.submitted_at = now
        attempt.save(update_fields=["score", "state", "submitted_at"])
        _attainments_record(attempt=attempt, learner=learner, served=served, now=now)
    return attempt


def _attainments_record(
    *, attempt: Attempt, learner, served: list[ServedQuestion], now: datetime
) -> None:
    """Journal the grade, and record each competency the attempt attains under its
    framework version (never an in-person one, never one outside the version)."""
    framework = attempt.framework
    by_competency = defaultdict(list)
    for item in served:
        by_competency[item.competency].append(item.score)
    threshold = Decimal(framework.mastery_threshold)
    required = set(framework.competencies.values_list("pk", flat=True))
    results = {}
    attained = []
    for competency, scores in by_competency.items():
        score = grading.competency_score(scores)
        results[competency.code] = str(score.quantize(Decimal("0.001")))
        if (
            competency.pk in required
            and not competency.requires_in_person
            and grading.is_attained(score, threshold)
        ):
            attainment, created = Attainment.objects.get_or_create(
                learner=learner,
                competency=competency,
                framework=framework,
                defaults={
                    "source": AttainmentSource.QUIZ,
                    "attained_at": now,
                    "attempt": attempt,
                },
            )
            if created:
                attained.append(attainment)
    journal_record(
        actor=learner,
        action="assessments.attempt_graded",
        target=attempt,
        details={"score": str(attempt.score), "competencies": results},
    )
    if attained:
        attainment_recorded_notify(learner_id=learner.pk, framework_id=framework.pk)
    for attainment in attained:
        journal_record(
            actor=learner,
            action="assessments.competency_attained",
            target=attainment,
            details={
                "competency": attainment.competency.code,
                "framework_version": framework.version,
                "source": AttainmentSource.QUIZ,
            },
        )
