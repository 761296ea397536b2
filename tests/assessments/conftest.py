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
        attempt.served_questions.select_related("competency").order_by("position")
    )


def served_of(attempt, kind: str) -> ServedQuestion:
    """The first served question of this kind (the draw is seeded, so it is there)."""
    for item in served_list(attempt):
        if item.kind == kind:
            return item
    raise AssertionError(f"Aucune question « {kind} » servie : change la graine.")


def answer_values(item: ServedQuestion, *, right: bool) -> list[str]:
    """Tokens answering a served single/true_false/multiple question."""
    correct = [o["token"] for o in item.options if o["correct"]]
    wrong = [o["token"] for o in item.options if not o["correct"]]
    assert correct and wrong, f"Question sans bonne ou sans mauvaise réponse : {item}"
    if right:
        return correct
    return wrong[:1]


def answer_order(item: ServedQuestion, *, right: bool) -> list[str]:
    """Tokens of an "order" question in the learner's order."""
    order = item.right_answer
    return order if right else order[::-1]


def answers_for(attempt, right=True) -> QueryDict:
    """POST data answering every served question: correctly, wrongly, or as
    `right(served_question)` decides for each."""
    data = QueryDict(mutable=True)
    for item in served_list(attempt):
        is_right = right(item) if callable(right) else right
        if item.kind == QuestionKind.ORDER:
            for rank, token in enumerate(answer_order(item, right=is_right), 1):
                data[rank_field_name(item.position, token)] = str(rank)
        else:
            data.setlist(field_name(item.position), answer_values(item, right=is_right))
    return data
