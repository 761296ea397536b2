"""A bot that never reads a word must not pass a quiz.

Each strategy plays the quiz pages as served (HTML in, form out) and picks answers
from what the form shows without understanding it: the values (lowest, highest),
their place on the page (first, last), or the length of the answers' texts. Their
scores must stay near chance, which is computed from the number of options and right
answers of each question served."""

import itertools
import math
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from assessments.models import Attempt, QuestionKind, ServedQuestion
from curriculum.models import ModulePage
from tests.factories import LearnerProfileFactory

pytestmark = pytest.mark.django_db

ATTEMPTS_PER_MODULE = 5
# A blind bot ticks this many boxes of a multiple-choice question (or all but one).
MULTIPLE_PICKS = 3
# How far above chance a score may land by luck: standard deviations, plus one.
TOLERANCE_SIGMAS = 4


class QuizForm(HTMLParser):
    """The questions of a quiz page as a bot sees them: for each position, the kind
    of field and its options in page order, each as (value, label's length). For
    ranks, the value is the select's name."""

    def __init__(self):
        super().__init__()
        self.questions: dict[int, dict] = {}
        self._value_of_id: dict[str, tuple[int, str]] = {}
        self._label_for: str | None = None
        self._label_text = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name") or ""
        if tag == "input" and attrs.get("type") in ("radio", "checkbox"):
            position = int(re.fullmatch(r"q(\d+)", name)[1])
            self._add(position, attrs["type"], attrs["value"], attrs["id"])
        elif tag == "select":
            position = int(re.fullmatch(r"q(\d+)-rang-.+", name)[1])
            self._add(position, "rank", name, attrs["id"])
        elif tag == "label":
            self._label_for, self._label_text = attrs.get("for"), ""

    def handle_data(self, data):
        if self._label_for:
            self._label_text += data

    def handle_endtag(self, tag):
        if tag == "label" and self._label_for in self._value_of_id:
            position, value = self._value_of_id[self._label_for]
            length = len(self._label_text.strip())
            options = self.questions[position]["options"]
            options[:] = [(v, length if v == value else n) for v, n in options]
        if tag == "label":
            self._label_for = None

    def _add(self, position, field, value, element_id):
        question = self.questions.setdefault(position, {"field": field, "options": []})
        question["options"].append((value, 0))
        self._value_of_id[element_id] = (position, value)


def by_lowest_value(options):
    return [value for value, _ in sorted(options)]


def by_highest_value(options):
    return [value for value, _ in sorted(options, reverse=True)]


def first_in_page(options):
    return [value for value, _ in options]


def last_in_page(options):
    return [value for value, _ in reversed(options)]


def longest_text_first(options):
    return [value for value, _ in sorted(options, key=lambda o: -o[1])]


def shortest_text_first(options):
    return [value for value, _ in sorted(options, key=lambda o: o[1])]


# "Ascending" and "descending" ranks are the lowest- and highest-value orders.
STRATEGIES = [
    by_lowest_value,
    by_highest_value,
    first_in_page,
    last_in_page,
    longest_text_first,
    shortest_text_first,
]


def multiple_picks(count: int) -> int:
    return min(MULTIPLE_PICKS, count - 1)


def blind_answers(form: QuizForm, strategy) -> dict[str, list[str]]:
    data = {}
    for position, question in form.questions.items():
        preferred = strategy(question["options"])
        if question["field"] == "rank":
            for rank, name in enumerate(preferred, start=1):
                data[name] = [str(rank)]
        elif question["field"] == "checkbox":
            data[f"q{position}"] = preferred[: multiple_picks(len(preferred))]
        else:
            data[f"q{position}"] = preferred[:1]
    return data


def chance_of_right(kind: str, options: int, right: int) -> float:
    """The probability that a pick made without reading is right."""
    if kind == QuestionKind.ORDER:
        return 1 / math.factorial(options)
    if kind == QuestionKind.MULTIPLE:
        picks = multiple_picks(options)
        return 1 / math.comb(options, picks) if picks == right else 0.0
    return 1 / options


def chance_of_reaching(chances: list[float], threshold: Decimal) -> float:
    """The probability that independent answers with these chances score at least
    the threshold (every combination of right and wrong answers, weighed)."""
    total = 0.0
    for outcome in itertools.product((True, False), repeat=len(chances)):
        if Decimal(sum(outcome)) / len(chances) >= threshold:
            total += math.prod(
                p if ok else 1 - p for p, ok in zip(chances, outcome, strict=True)
            )
    return total


class Tally:
    """Observed and expected counts of a Bernoulli sum."""

    def __init__(self):
        self.observed = 0
        self.expected = 0.0
        self.variance = 0.0

    def add(self, happened: bool, chance: float) -> None:
        self.observed += happened
        self.expected += chance
        self.variance += chance * (1 - chance)

    @property
    def ceiling(self) -> float:
        return self.expected + TOLERANCE_SIGMAS * math.sqrt(self.variance) + 1

    @property
    def floor(self) -> float:
        return self.expected - TOLERANCE_SIGMAS * math.sqrt(self.variance) - 1


def play(client, module, strategy) -> Attempt:
    start = reverse("assessments:attempt-start", args=[module.pk])
    quiz_url = client.post(start)["Location"]
    form = QuizForm()
    form.feed(client.get(quiz_url).content.decode())
    assert form.questions, "Le bot n'a trouvé aucune question."
    response = client.post(quiz_url, blind_answers(form, strategy))
    assert response.status_code == 302, "Le bot a envoyé un formulaire refusé."
    attempt = Attempt.objects.get(pk=re.search(r"/quiz/([0-9a-f-]{36})/", quiz_url)[1])
    assert attempt.is_graded
    # The next try comes after the cooldown.
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=attempt.submitted_at - timedelta(days=1)
    )
    return attempt


def judge(attempt: Attempt, answers: Tally, attainments: Tally) -> None:
    threshold = Decimal(attempt.framework.mastery_threshold)
    by_competency: dict = {}
    for item in ServedQuestion.objects.filter(attempt=attempt).select_related(
        "question__competency"
    ):
        question = item.question
        options = question.choices.count()
        right = question.choices.filter(is_correct=True).count()
        chance = chance_of_right(question.kind, options, right)
        answers.add(item.score == 1, chance)
        if not question.competency.requires_in_person:
            by_competency.setdefault(question.competency_id, []).append(
                (item.score == 1, chance)
            )
    for results in by_competency.values():
        score = Decimal(sum(ok for ok, _ in results)) / len(results)
        attainments.add(
            score >= threshold,
            chance_of_reaching([chance for _, chance in results], threshold),
        )


@pytest.mark.parametrize("strategy", STRATEGIES, ids=lambda s: s.__name__)
def test_a_bot_that_does_not_read_scores_no_better_than_chance(
    client, demo_curriculum, strategy
):
    client.force_login(LearnerProfileFactory().user)
    answers, attainments = Tally(), Tally()
    modules = list(ModulePage.objects.live().order_by("path"))
    assert len(modules) == 7
    for module, _ in itertools.product(modules, range(ATTEMPTS_PER_MODULE)):
        judge(play(client, module, strategy), answers, attainments)

    assert answers.floor <= answers.observed <= answers.ceiling, (
        f"{answers.observed} bonnes réponses à l'aveugle, "
        f"{answers.expected:.0f} attendues par hasard"
    )
    assert attainments.observed <= attainments.ceiling, (
        f"{attainments.observed} compétences atteintes à l'aveugle, "
        f"{attainments.expected:.1f} attendues par hasard"
    )
