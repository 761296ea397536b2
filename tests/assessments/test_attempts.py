import random
import uuid
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest

from assessments import services
from assessments.errors import AssessmentsError, AttemptAlreadyGraded
from assessments.models import (
    Attainment,
    AttainmentSource,
    Attempt,
    AttemptState,
    Question,
    QuestionKind,
    ServedQuestion,
)
from assessments.submission import field_name, rank_field_name
from core.formatting import datetime_text
from core.models import JournalEntry
from curriculum.models import Framework
from tests.factories import LearnerProfileFactory, UserFactory

from .conftest import IN_PERSON_CODE, answer_order, answers_for, served_list, served_of

pytestmark = pytest.mark.django_db

COOLDOWN = timedelta(minutes=30)
TIME_LIMIT = timedelta(minutes=120)


def draw(attempt) -> list[tuple[int, list[int]]]:
    """Which questions were drawn, and the order their options were shown in."""
    return [
        (item.question_id, [option["text"] for option in item.options])
        for item in served_list(attempt)
    ]


def graded_entries(attempt):
    return JournalEntry.objects.filter(
        action="assessments.attempt_graded", target_id=str(attempt.pk)
    )


def assert_nothing_written(attempt):
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    assert attempt.score is None
    assert attempt.submitted_at is None
    for item in ServedQuestion.objects.filter(attempt=attempt):
        assert item.answer is None
        assert item.score is None
    assert not Attainment.objects.exists()
    assert not JournalEntry.objects.filter(action__startswith="assessments.").exists()


# Starting a quiz


def test_start_draws_questions_per_competency(learner, module, demo_curriculum, now):
    attempt = services.attempt_start(
        learner=learner, module=module, now=now, rng=random.Random(1)
    )
    assert attempt.state == AttemptState.IN_PROGRESS
    assert attempt.framework == demo_curriculum
    assert attempt.started_at == now
    assert attempt.expires_at == now + TIME_LIMIT
    assert attempt.score is None

    served = served_list(attempt)
    per_competency = Counter(item.competency.code for item in served)
    assert per_competency == {
        competency.code: min(3, competency.questions.filter(is_active=True).count())
        for competency in module.competencies.all()
    }
    assert per_competency == {"BANQUE-01": 3, "BANQUE-02": 3, "BANQUE-03": 3}
    assert len({item.question_id for item in served}) == len(served)
    assert [item.position for item in served] == list(range(1, len(served) + 1))
    for item in served:
        question = item.question
        entered = [choice.text for choice in question.choices.all()]
        shown = [option["text"] for option in item.options]
        assert sorted(shown) == sorted(entered)
        assert (item.kind, item.prompt, item.explanation) == (
            question.kind,
            question.prompt,
            question.explanation,
        )
        assert item.competency == question.competency
        assert sorted(item.right_answer) == sorted(
            option["token"]
            for option in item.options
            if option["text"]
            in {c.text for c in question.choices.all() if c.is_correct}
            or item.kind == QuestionKind.ORDER
        )
        # Tokens: all different, all of the same length, nothing like an id.
        assert len(set(item.tokens)) == len(item.tokens)
        assert {len(token) for token in item.tokens} == {12}
        assert not any(token.isdigit() for token in item.tokens)
    # The options are shuffled, not served in the order they were entered.
    assert any(
        [option["text"] for option in item.options]
        != [c.text for c in item.question.choices.all()]
        for item in served
    )


def test_the_draw_is_stored_exactly_as_drawn(module, now):
    first, second, third = (LearnerProfileFactory().user for _ in range(3))
    one = services.attempt_start(
        learner=first, module=module, now=now, rng=random.Random(1)
    )
    same_seed = services.attempt_start(
        learner=second, module=module, now=now, rng=random.Random(1)
    )
    other_seed = services.attempt_start(
        learner=third, module=module, now=now, rng=random.Random(2)
    )
    assert draw(one) == draw(same_seed)
    assert draw(one) != draw(other_seed)
    assert [q for q, _ in draw(one)] != [q for q, _ in draw(other_seed)]


def test_only_active_questions_and_fewer_when_the_bank_is_small(learner, module, now):
    bank = list(Question.objects.filter(competency__code="BANQUE-03").order_by("pk"))
    kept = bank[:2]
    Question.objects.filter(pk__in=[q.pk for q in bank[2:]]).update(is_active=False)
    attempt = services.attempt_start(
        learner=learner, module=module, now=now, rng=random.Random(3)
    )
    served = served_list(attempt)
    banque_03 = {
        item.question_id for item in served if item.competency.code == "BANQUE-03"
    }
    assert banque_03 == {q.pk for q in kept}
    assert all(item.question.is_active for item in served)
    assert len(served) == 3 + 3 + 2


def test_a_module_without_questions_has_no_quiz(learner, module, now):
    Question.objects.filter(competency__modules=module).update(is_active=False)
    with pytest.raises(AssessmentsError, match="pas encore de quiz"):
        services.attempt_start(learner=learner, module=module, now=now)
    assert not Attempt.objects.exists()


def test_a_second_start_resumes_the_quiz_in_progress(learner, module, now, attempt):
    served = draw(attempt)
    again = services.attempt_start(
        learner=learner,
        module=module,
        now=now + timedelta(minutes=10),
        rng=random.Random(99),
    )
    assert again.pk == attempt.pk
    assert draw(again) == served
    assert Attempt.objects.count() == 1


def test_an_expired_quiz_is_not_resumed(learner, module, now, attempt):
    later = now + TIME_LIMIT + timedelta(minutes=1)
    fresh = services.attempt_start(learner=learner, module=module, now=later)
    assert fresh.pk != attempt.pk
    assert fresh.state == AttemptState.IN_PROGRESS
    assert fresh.expires_at == later + TIME_LIMIT


def test_a_learner_without_profile_cannot_start(module, now):
    user = UserFactory()
    with pytest.raises(AssessmentsError, match="Complète ton profil"):
        services.attempt_start(learner=user, module=module, now=now)
    assert not Attempt.objects.exists()


def test_no_quiz_without_a_published_framework(learner, module, now, demo_curriculum):
    # A published framework cannot be unpublished through the model: go around it.
    Framework.objects.filter(pk=demo_curriculum.pk).update(published_at=None)
    with pytest.raises(AssessmentsError, match="pas encore ouverts"):
        services.attempt_start(learner=learner, module=module, now=now)
    assert not Attempt.objects.exists()


# Grading


def test_all_right_attains_the_quiz_competencies(
    learner, module, demo_curriculum, now, attempt
):
    submitted_at = now + timedelta(minutes=5)
    graded = services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt),
        now=submitted_at,
    )
    assert graded.pk == attempt.pk
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.score == 1
    assert attempt.submitted_at == submitted_at
    for item in served_list(attempt):
        assert item.score == 1
        if item.kind == QuestionKind.ORDER:
            assert item.answer == answer_order(item, right=True)
        else:
            assert set(item.answer) == set(item.right_answer)

    attainments = Attainment.objects.filter(learner=learner)
    quiz_codes = {c.code for c in module.competencies.all() if not c.requires_in_person}
    assert quiz_codes == {"BANQUE-02", "BANQUE-03"}
    assert {a.competency.code for a in attainments} == quiz_codes
    for attainment in attainments:
        assert attainment.source == AttainmentSource.QUIZ
        assert attainment.attempt == attempt
        assert attainment.framework == demo_curriculum
        assert attainment.attained_at == submitted_at
    # Answered right, but the in-person competency is validated in person only.
    assert not attainments.filter(competency__code=IN_PERSON_CODE).exists()

    graded_entry = graded_entries(attempt).get()
    assert graded_entry.actor == learner
    assert graded_entry.details["competencies"]["BANQUE-02"] == "1.000"
    attained_entries = JournalEntry.objects.filter(
        action="assessments.competency_attained", actor=learner
    )
    assert sorted(e.details["competency"] for e in attained_entries) == sorted(
        quiz_codes
    )
    assert {e.target_id for e in attained_entries} == {str(a.pk) for a in attainments}


def test_all_wrong_attains_nothing(learner, now, attempt):
    services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt, right=False),
        now=now,
    )
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED
    assert attempt.score == 0
    assert all(item.score == 0 for item in served_list(attempt))
    assert not Attainment.objects.exists()
    assert graded_entries(attempt).count() == 1
    assert not JournalEntry.objects.filter(
        action="assessments.competency_attained"
    ).exists()


def test_one_mistake_in_three_is_below_the_threshold(learner, now, attempt):
    missed = next(
        item for item in served_list(attempt) if item.competency.code == "BANQUE-02"
    )
    services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt, right=lambda item: item.pk != missed.pk),
        now=now,
    )
    attempt.refresh_from_db()
    # 2 out of 3 (67 %) is below 80 %: BANQUE-02 not attained, BANQUE-03 is.
    assert set(Attainment.objects.values_list("competency__code", flat=True)) == {
        "BANQUE-03"
    }
    assert attempt.score == Decimal("0.889")  # 8 right answers out of 9


def test_a_failed_attempt_never_removes_an_attainment(learner, module, now, attempt):
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt), now=now
    )
    before = {a.pk: (a.attempt_id, a.attained_at) for a in Attainment.objects.all()}
    assert len(before) == 2

    retry = services.attempt_start(learner=learner, module=module, now=now + COOLDOWN)
    assert retry.pk != attempt.pk
    services.attempt_submit(
        attempt_id=retry.pk,
        learner=learner,
        data=answers_for(retry, right=False),
        now=now + COOLDOWN + timedelta(minutes=1),
    )
    retry.refresh_from_db()
    assert retry.score == 0
    after = {a.pk: (a.attempt_id, a.attained_at) for a in Attainment.objects.all()}
    assert after == before
    assert all(attempt_id == attempt.pk for attempt_id, _ in after.values())
    assert (
        JournalEntry.objects.filter(action="assessments.competency_attained").count()
        == 2
    )


def test_passing_again_does_not_duplicate_attainments(learner, module, now, attempt):
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt), now=now
    )
    retry = services.attempt_start(learner=learner, module=module, now=now + COOLDOWN)
    services.attempt_submit(
        attempt_id=retry.pk,
        learner=learner,
        data=answers_for(retry),
        now=now + COOLDOWN,
    )
    assert Attainment.objects.count() == 2
    assert set(Attainment.objects.values_list("attempt", flat=True)) == {attempt.pk}
    assert (
        JournalEntry.objects.filter(action="assessments.competency_attained").count()
        == 2
    )
    assert JournalEntry.objects.filter(action="assessments.attempt_graded").count() == 2


# Cooldown and expiry


def test_cooldown_after_grading(learner, module, now, attempt):
    submitted_at = now + timedelta(minutes=5)
    services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt, right=False),
        now=submitted_at,
    )
    retry_at = submitted_at + COOLDOWN
    for moment in (submitted_at, retry_at - timedelta(seconds=1)):
        with pytest.raises(AssessmentsError) as refused:
            services.attempt_start(learner=learner, module=module, now=moment)
        assert "Tu pourras refaire ce quiz à partir du" in refused.value.message
        # « mardi 1er décembre à 4 h 22 », in Paris time.
        assert (
            datetime_text(retry_at, weekday=True, year=False) in refused.value.message
        )
    assert Attempt.objects.count() == 1

    retry = services.attempt_start(
        learner=learner, module=module, now=retry_at, rng=random.Random(5)
    )
    assert retry.pk != attempt.pk
    assert retry.state == AttemptState.IN_PROGRESS
    assert retry.started_at == retry_at
    assert len(served_list(retry)) == 9
    assert Attempt.objects.count() == 2


def test_an_expired_quiz_cannot_be_submitted(learner, now, attempt):
    with pytest.raises(AssessmentsError, match="a expiré"):
        services.attempt_submit(
            attempt_id=attempt.pk,
            learner=learner,
            data=answers_for(attempt),
            now=attempt.started_at + TIME_LIMIT + timedelta(minutes=1),
        )
    assert_nothing_written(attempt)


def test_a_quiz_can_be_submitted_until_its_time_limit(learner, attempt):
    services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt),
        now=attempt.started_at + TIME_LIMIT - timedelta(minutes=1),
    )
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.GRADED


# Tampered or incomplete submissions: refused, nothing written


def _extra_position(attempt, data):
    data["q99"] = served_of(attempt, QuestionKind.SINGLE).tokens[0]
    return "ne fait pas partie de ce quiz"


def _choice_of_another_question(attempt, data):
    single = served_of(attempt, QuestionKind.SINGLE)
    other = next(i for i in served_list(attempt) if i.position != single.position)
    data.setlist(field_name(single.position), [other.tokens[0]])
    return f"Réponse inconnue à la question {single.position}"


def _unknown_choice_id(attempt, data):
    single = served_of(attempt, QuestionKind.TRUE_FALSE)
    data.setlist(field_name(single.position), ["999999"])
    return f"Réponse inconnue à la question {single.position}"


def _non_numeric(attempt, data):
    single = served_of(attempt, QuestionKind.SINGLE)
    data.setlist(field_name(single.position), ["abc"])
    return f"Réponse inconnue à la question {single.position}"


def _altered_token(attempt, data):
    single = served_of(attempt, QuestionKind.SINGLE)
    data.setlist(field_name(single.position), [f"-{single.tokens[0]}"])
    return f"Réponse inconnue à la question {single.position}"


def _database_id_of_the_choice(attempt, data):
    # What the form used to send: the choice's id is no answer any more.
    single = served_of(attempt, QuestionKind.SINGLE)
    right = single.question.choices.get(is_correct=True)
    data.setlist(field_name(single.position), [str(right.pk)])
    return f"Réponse inconnue à la question {single.position}"


def _token_of_another_attempt(attempt, data):
    other = services.attempt_start(
        learner=LearnerProfileFactory().user,
        module=attempt.module,
        now=attempt.started_at,
        rng=random.Random(0),
    )
    mine, theirs = (
        served_of(attempt, QuestionKind.SINGLE),
        served_of(other, QuestionKind.SINGLE),
    )
    assert mine.question_id == theirs.question_id  # same seed, same draw
    data.setlist(field_name(mine.position), theirs.right_answer)
    return f"Réponse inconnue à la question {mine.position}"


def _superscript_digit(attempt, data):
    # "²".isdigit() is True, yet int("²") fails: still a refusal, not a crash.
    single = served_of(attempt, QuestionKind.SINGLE)
    data.setlist(field_name(single.position), ["²"])
    return f"Réponse inconnue à la question {single.position}"


def _huge_number(attempt, data):
    # All digits, but longer than int() accepts (4300 digits): a refusal too.
    single = served_of(attempt, QuestionKind.SINGLE)
    data.setlist(field_name(single.position), ["9" * 5000])
    return f"Réponse inconnue à la question {single.position}"


def _superscript_rank(attempt, data):
    order = served_of(attempt, QuestionKind.ORDER)
    data[rank_field_name(order.position, order.tokens[0])] = "²"
    return f"chaque étape prend un rang de 1 à {len(order.tokens)}"


def _two_values_for_single(attempt, data):
    single = served_of(attempt, QuestionKind.SINGLE)
    data.setlist(field_name(single.position), single.tokens[:2])
    return f"Une seule réponse est attendue à la question {single.position}"


def _two_values_for_true_false(attempt, data):
    item = served_of(attempt, QuestionKind.TRUE_FALSE)
    data.setlist(field_name(item.position), item.tokens)
    return f"Une seule réponse est attendue à la question {item.position}"


def _same_choice_twice(attempt, data):
    multiple = served_of(attempt, QuestionKind.MULTIPLE)
    choice = multiple.tokens[0]
    data.setlist(field_name(multiple.position), [choice, choice])
    return f"Réponse envoyée deux fois à la question {multiple.position}"


def _duplicate_ranks(attempt, data):
    order = served_of(attempt, QuestionKind.ORDER)
    for choice_id in order.tokens[:2]:
        data[rank_field_name(order.position, choice_id)] = "1"
    return f"À la question {order.position}, deux étapes ont le même rang"


def _rank_out_of_range(attempt, data):
    order = served_of(attempt, QuestionKind.ORDER)
    count = len(order.tokens)
    data[rank_field_name(order.position, order.tokens[0])] = str(count + 1)
    return f"chaque étape prend un rang de 1 à {count}"


def _rank_of_another_choice(attempt, data):
    order = served_of(attempt, QuestionKind.ORDER)
    single = served_of(attempt, QuestionKind.SINGLE)
    data[rank_field_name(order.position, single.tokens[0])] = "1"
    return "ne fait pas partie de ce quiz"


def _one_missing(attempt, data):
    multiple = served_of(attempt, QuestionKind.MULTIPLE)
    del data[field_name(multiple.position)]
    return f"Il manque ta réponse à la question {multiple.position}."


def _rank_missing(attempt, data):
    order = served_of(attempt, QuestionKind.ORDER)
    del data[rank_field_name(order.position, order.tokens[-1])]
    return f"Il manque ta réponse à la question {order.position}."


def _two_missing(attempt, data):
    single = served_of(attempt, QuestionKind.SINGLE)
    multiple = served_of(attempt, QuestionKind.MULTIPLE)
    del data[field_name(single.position)]
    data.setlist(field_name(multiple.position), [])
    first, second = sorted([single.position, multiple.position])
    return f"Il manque tes réponses aux questions {first}, {second}."


def _nothing(attempt, data):
    data.clear()
    return "Il manque tes réponses aux questions 1, 2, 3, 4, 5, 6, 7, 8, 9."


@pytest.mark.parametrize(
    "tamper",
    [
        _extra_position,
        _choice_of_another_question,
        _unknown_choice_id,
        _non_numeric,
        _altered_token,
        _database_id_of_the_choice,
        _token_of_another_attempt,
        _superscript_digit,
        _huge_number,
        _superscript_rank,
        _two_values_for_single,
        _two_values_for_true_false,
        _same_choice_twice,
        _duplicate_ranks,
        _rank_out_of_range,
        _rank_of_another_choice,
        _one_missing,
        _rank_missing,
        _two_missing,
        _nothing,
    ],
)
def test_a_tampered_submission_is_refused_and_changes_nothing(
    learner, now, attempt, tamper
):
    data = answers_for(attempt)
    message = tamper(attempt, data)
    with pytest.raises(AssessmentsError) as refused:
        services.attempt_submit(
            attempt_id=attempt.pk, learner=learner, data=data, now=now
        )
    assert message in refused.value.message
    assert_nothing_written(attempt)


def test_another_learners_quiz_does_not_exist(learner, now, attempt):
    intruder = LearnerProfileFactory().user
    for attempt_id in (attempt.pk, uuid.uuid4()):
        with pytest.raises(AssessmentsError, match="Ce quiz n'existe pas"):
            services.attempt_submit(
                attempt_id=attempt_id,
                learner=intruder,
                data=answers_for(attempt),
                now=now,
            )
    assert_nothing_written(attempt)


def test_a_second_submission_changes_nothing(learner, now, attempt):
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt), now=now
    )
    attempt.refresh_from_db()
    answers = [(item.answer, item.score) for item in served_list(attempt)]

    with pytest.raises(AttemptAlreadyGraded, match="déjà été corrigé"):
        services.attempt_submit(
            attempt_id=attempt.pk,
            learner=learner,
            data=answers_for(attempt, right=False),
            now=now + timedelta(minutes=1),
        )
    stored = Attempt.objects.get(pk=attempt.pk)
    assert (stored.score, stored.submitted_at) == (1, attempt.submitted_at)
    assert [(item.answer, item.score) for item in served_list(attempt)] == answers
    assert graded_entries(attempt).count() == 1
    assert Attainment.objects.count() == 2
