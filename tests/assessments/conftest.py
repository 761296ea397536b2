import random
from datetime import timedelta

import pytest
from django.http import QueryDict
from django.utils import timezone

from assessments import services
from assessments.models import QuestionKind, ServedQuestion
from assessments.submission import field_name, rank_field_name
from curriculum.models import ModulePage
from demo.content import curriculum_load
from tests.factories import LearnerProfileFactory

# The demo module with an in-person competency (BANQUE-01) and "order" questions.
MODULE_SLUG = "compte-bancaire"
IN_PERSON_CODE = "BANQUE-01"


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def demo_curriculum(site, now):
    """The real demo content: 17 competencies, framework v1, 7 modules, questions.
    Published an hour ago, so that `now` is well inside it."""
    return curriculum_load(home=site, now=now - timedelta(hours=1))


@pytest.fixture
def module(demo_curriculum):
    return ModulePage.objects.get(slug=MODULE_SLUG)


@pytest.fixture
def learner(db):
    return LearnerProfileFactory().user


@pytest.fixture
def attempt(learner, module, now):
    return services.attempt_start(
        learner=learner, module=module, now=now, rng=random.Random(0)
    )


def served_list(attempt) -> list[ServedQuestion]:
    return list(
        attempt.served_questions.select_related("question__competency")
        .prefetch_related("question__choices")
        .order_by("position")
    )


def served_of(attempt, kind: str) -> ServedQuestion:
    """The first served question of this kind (the draw is seeded, so it is there)."""
    for item in served_list(attempt):
        if item.question.kind == kind:
            return item
    raise AssertionError(f"Aucune question « {kind} » servie : change la graine.")


def answer_values(item: ServedQuestion, *, right: bool) -> list[int]:
    """Choice ids answering a served single/true_false/multiple question."""
    choices = list(item.question.choices.all())
    correct = [c.pk for c in choices if c.is_correct]
    wrong = [c.pk for c in choices if not c.is_correct]
    assert correct and wrong, f"Question sans bonne ou sans mauvaise réponse : {item}"
    if right:
        return correct
    return wrong[:1]


def answer_order(item: ServedQuestion, *, right: bool) -> list[int]:
    """Choice ids of an "order" question in the learner's order."""
    order = [c.pk for c in item.question.choices.all()]  # entered in the right order
    return order if right else order[::-1]


def answers_for(attempt, right=True) -> QueryDict:
    """POST data answering every served question: correctly, wrongly, or as
    `right(served_question)` decides for each."""
    data = QueryDict(mutable=True)
    for item in served_list(attempt):
        is_right = right(item) if callable(right) else right
        if item.question.kind == QuestionKind.ORDER:
            for rank, choice_id in enumerate(answer_order(item, right=is_right), 1):
                data[rank_field_name(item.position, choice_id)] = str(rank)
        else:
            values = answer_values(item, right=is_right)
            data.setlist(field_name(item.position), [str(v) for v in values])
    return data
