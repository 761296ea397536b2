import random
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts.permissions import Action, informer_place_ids, user_can
from accounts.services import age_on
from core.formatting import datetime_text
from core.services import journal_record
from curriculum.models import Competency, Framework, ModulePage
from curriculum.selectors import framework_current
from directory.models import HelpPlace
from territories.models import Commune

from . import grading
from .errors import AssessmentsError, AttemptAlreadyGraded, PassportRefused
from .events import attainment_recorded_notify
from .models import (
    VISIT_MAX_MINUTES,
    AgeBand,
    Attainment,
    AttainmentSource,
    Attempt,
    AttemptState,
    InPersonValidation,
    Passport,
    Question,
    QuestionKind,
    ServedQuestion,
    ValidationWithdrawal,
    Visit,
    VisitPurpose,
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
        source_url=question.source_url,
        checked_on=question.checked_on,
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


# The passport: 8 characters read aloud or typed from a phone, none that looks like
# another (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V).
PASSPORT_ALPHABET = "ACDEFGHJKMNPQRTWXY3479"
PASSPORT_LENGTH = 8
PASSPORT_VALIDITY = timedelta(minutes=15)
PASSPORT_ACCESS = timedelta(hours=2)
NOTE_MAX_LENGTH = 500


def passport_code_normalize(code: str) -> str | None:
    """The code as typed (spaces, dashes, lower case) in canonical form, or None
    when it cannot be a code at all."""
    cleaned = "".join(code.split()).replace("-", "").upper()
    if len(cleaned) != PASSPORT_LENGTH or set(cleaned) - set(PASSPORT_ALPHABET):
        return None
    return cleaned


def passport_code_display(code: str) -> str:
    """« ABCD EFGH »: two groups of four, easier to read aloud."""
    return f"{code[:4]} {code[4:]}"


def passport_code_hash(code: str) -> str:
    """Keyed with the site's secret: a copy of the table alone cannot be searched
    for the codes."""
    return salted_hmac("assessments.passport", code).hexdigest()


def passport_issue(*, learner, now: datetime | None = None) -> tuple[Passport, str]:
    """A new code for the learner; any code still unused stops working."""
    now = now or timezone.now()
    if not learner.is_onboarded:
        raise AssessmentsError("Complète ton profil avant de demander ton passeport.")
    code = "".join(secrets.choice(PASSPORT_ALPHABET) for _ in range(PASSPORT_LENGTH))
    with transaction.atomic():
        Passport.objects.filter(
            learner=learner, redeemed_at__isnull=True, expires_at__gt=now
        ).update(expires_at=now)
        passport = Passport.objects.create(
            learner=learner,
            code_hash=passport_code_hash(code),
            created_at=now,
            expires_at=now + PASSPORT_VALIDITY,
        )
    return passport, code


def _informer_place(informer, place: HelpPlace | None) -> HelpPlace:
    if place is None or place.pk not in informer_place_ids(informer):
        raise AssessmentsError(
            "Choisissez un de vos lieux d'accueil, ceux où vous travaillez.",
            field="place",
        )
    return place


def passport_redeem(
    *, informer, code: str, place: HelpPlace | None, now: datetime | None = None
) -> Passport:
    """The first informer to use a valid code opens the learner's validation page
    for two hours, at one of their places; the code is then spent."""
    now = now or timezone.now()
    place = _informer_place(informer, place)
    normalized = passport_code_normalize(code)
    if normalized is None:
        raise PassportRefused()
    with transaction.atomic():
        passport = (
            Passport.objects.select_for_update()
            .filter(
                code_hash=passport_code_hash(normalized),
                redeemed_at__isnull=True,
                expires_at__gt=now,
            )
            .first()
        )
        if passport is None:
            raise PassportRefused()
        passport.redeemed_at = now
        passport.redeemed_by = informer
        passport.place = place
        passport.access_until = now + PASSPORT_ACCESS
        passport.save(
            update_fields=["redeemed_at", "redeemed_by", "place", "access_until"]
        )
        journal_record(
            actor=informer,
            action="assessments.learner_record_opened",
            target=passport,
            details={"learner": passport.learner_id, "place": place.pk},
        )
    return passport


def _open_passport(*, informer, passport_id, now: datetime) -> Passport:
    """The informer's open access, locked; refused once its two hours are over."""
    passport = (
        Passport.objects.select_for_update(of=("self",))
        .select_related("place", "learner__learner_profile")
        .filter(pk=passport_id, redeemed_by=informer, access_until__gt=now)
        .first()
    )
    if passport is None:
        raise AssessmentsError(
            "Ce dossier n'est plus ouvert pour vous : demandez au ou à la jeune un "
            "nouveau code."
        )
    return passport


def _validation_session_visit(*, passport: Passport, informer, now: datetime) -> None:
    """The register's line for a validation session: once per passport."""
    if Visit.objects.filter(passport=passport).exists():
        return
    profile = passport.learner.learner_profile
    minutes = int((now - passport.redeemed_at).total_seconds() // 60)
    Visit.objects.create(
        place=passport.place,
        recorded_by=informer,
        visited_at=passport.redeemed_at,
        purpose=VisitPurpose.VALIDATION,
        commune=profile.commune,
        age_band=AgeBand.for_age(
            age_on(birth_date=profile.birth_date, day=timezone.localdate(now))
        ),
        minutes=min(max(minutes, 5), VISIT_MAX_MINUTES),
        passport=passport,
    )


def validation_record(
    *,
    informer,
    passport_id,
    competency_id: int | None,
    note: str,
    now: datetime | None = None,
) -> InPersonValidation:
    """The informer saw the learner do it: the competency is attained (in person,
    with this validation) under the framework in force."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        raise AssessmentsError(
            "Écrivez une courte note : ce que vous avez vu le ou la jeune faire.",
            field="note",
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise AssessmentsError(
            f"La note tient en {NOTE_MAX_LENGTH} caractères au plus.", field="note"
        )
    framework = framework_current()
    competency = (
        Competency.objects.filter(
            pk=competency_id, requires_in_person=True, frameworks=framework
        ).first()
        if framework is not None and competency_id is not None
        else None
    )
    if competency is None:
        raise AssessmentsError(
            "Cette compétence ne se valide pas en personne dans le référentiel en "
            "vigueur.",
            field="competency",
        )
    with transaction.atomic():
        passport = _open_passport(informer=informer, passport_id=passport_id, now=now)
        learner = passport.learner
        # One validation at a time per learner (two informers, two tabs).
        get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
        if _active_validations(
            learner=learner, competency=competency, framework=framework
        ).exists():
            raise AssessmentsError(
                "Cette compétence est déjà validée pour ce ou cette jeune.",
                field="competency",
            )
        validation = InPersonValidation.objects.create(
            learner=learner,
            competency=competency,
            framework=framework,
            informer=informer,
            place=passport.place,
            passport=passport,
            note=note,
            validated_at=now,
        )
        attainment, created = Attainment.objects.get_or_create(
            learner=learner,
            competency=competency,
            framework=framework,
            defaults={
                "source": AttainmentSource.IN_PERSON,
                "attained_at": now,
                "validation": validation,
            },
        )
        _validation_session_visit(passport=passport, informer=informer, now=now)
        if created:  # may complete the framework: the certificate is checked
            attainment_recorded_notify(learner_id=learner.pk, framework_id=framework.pk)
        journal_record(
            actor=informer,
            action="assessments.competency_validated",
            target=validation,
            details={
                "learner": learner.pk,
                "competency": competency.code,
                "framework_version": framework.version,
                "place": passport.place_id,
            },
        )
        if created:
            journal_record(
                actor=informer,
                action="assessments.competency_attained",
                target=attainment,
                details={
                    "learner": learner.pk,
                    "competency": competency.code,
                    "framework_version": framework.version,
                    "source": AttainmentSource.IN_PERSON,
                },
            )
    return validation


def _active_validations(*, learner, competency, framework):
    return InPersonValidation.objects.filter(
        learner=learner,
        competency=competency,
        framework=framework,
        withdrawal__isnull=True,
    )


def validation_withdraw(
    *, actor, validation_id, reason: str, now: datetime | None = None
) -> ValidationWithdrawal:
    """Withdraw a mistaken validation by a new entry (never by an edit). The
    attainment it gave goes, unless a quiz holds it."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise AssessmentsError(
            "Écrivez la raison du retrait : elle reste au dossier.", field="reason"
        )
    if len(reason) > NOTE_MAX_LENGTH:
        raise AssessmentsError(
            f"La raison tient en {NOTE_MAX_LENGTH} caractères au plus.",
            field="reason",
        )
    with transaction.atomic():
        validation = (
            InPersonValidation.objects.select_for_update(of=("self",))
            .select_related("place", "competency", "framework")
            .filter(pk=validation_id)
            .first()
        )
        if validation is None or not (
            validation.informer_id == actor.pk
            or user_can(actor, Action.VALIDATION_WITHDRAW, validation.place)
        ):
            raise AssessmentsError(
                "Seule la personne qui l'a faite, ou la coordination du territoire du "
                "lieu, retire cette validation."
            )
        if ValidationWithdrawal.objects.filter(validation=validation).exists():
            raise AssessmentsError("Cette validation est déjà retirée.")
        withdrawal = ValidationWithdrawal.objects.create(
            validation=validation, withdrawn_by=actor, reason=reason, withdrawn_at=now
        )
        # A competency has one validation in force at a time (see
        # validation_record): the attainment it gave goes with it; one that a quiz
        # gave stays.
        removed, _ = Attainment.objects.filter(
            learner_id=validation.learner_id,
            competency=validation.competency,
            framework=validation.framework,
            validation=validation,
        ).delete()
        journal_record(
            actor=actor,
            action="assessments.validation_withdrawn",
            target=withdrawal,
            details={
                "validation": validation.pk,
                "learner": validation.learner_id,
                "competency": validation.competency.code,
                "attainment_removed": bool(removed),
            },
        )
    return withdrawal


def visit_record(
    *,
    informer,
    place: HelpPlace | None,
    purpose: str,
    commune: Commune | None,
    age_band: str,
    minutes: int | None,
    printed: bool,
    now: datetime | None = None,
) -> Visit:
    """One anonymous line of the place's register: no name, ever."""
    now = now or timezone.now()
    place = _informer_place(informer, place)
    if purpose not in VisitPurpose.values:
        raise AssessmentsError("Choisissez le motif de la visite.", field="purpose")
    if age_band not in AgeBand.values:
        raise AssessmentsError("Choisissez une tranche d'âge.", field="age_band")
    if minutes is None or not 1 <= minutes <= VISIT_MAX_MINUTES:
        raise AssessmentsError(
            f"La durée va de 1 à {VISIT_MAX_MINUTES} minutes.", field="minutes"
        )
    with transaction.atomic():
        visit = Visit.objects.create(
            place=place,
            recorded_by=informer,
            visited_at=now,
            purpose=purpose,
            commune=commune,
            age_band=age_band,
            minutes=minutes,
            printed=printed,
        )
        journal_record(
            actor=informer,
            action="assessments.visit_recorded",
            target=visit,
            details={"place": place.pk},
        )
    return visit
