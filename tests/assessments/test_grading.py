"""The pure grading rules, checked on every shape of answer hypothesis can find."""

from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from assessments.grading import answer_score, competency_score, is_attained
from assessments.models import QuestionKind

rules = hypothesis_settings(max_examples=200)

CHOICE_KINDS = [QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE]
choice_ids = st.lists(
    st.integers(min_value=1, max_value=10_000), min_size=2, max_size=8, unique=True
)


@st.composite
def question_and_answer(draw, kinds=tuple(QuestionKind)):
    """A question (its kind, the right choices) and any answer made of its choices:
    any subset, in any order; for "order", any permutation of every choice."""
    kind = draw(st.sampled_from(kinds))
    ids = draw(choice_ids)
    if kind == QuestionKind.ORDER:
        correct = draw(st.permutations(ids))
        answer = draw(st.permutations(ids))
    else:
        size = 1 if kind != QuestionKind.MULTIPLE else draw(st.integers(1, len(ids)))
        correct = draw(
            st.lists(st.sampled_from(ids), min_size=size, max_size=size, unique=True)
        )
        answer = draw(st.lists(st.sampled_from(ids), unique=True))  # any order
    return kind, list(correct), list(answer)


@rules
@given(question_and_answer())
def test_an_answer_scores_between_zero_and_one(case):
    kind, correct, answer = case
    score = answer_score(kind=kind, correct_in_order=correct, answer=answer)
    assert isinstance(score, Decimal)
    assert Decimal(0) <= score <= Decimal(1)
    assert score in (Decimal(0), Decimal(1))  # no partial credit


@rules
@given(question_and_answer(), st.randoms(use_true_random=False))
def test_the_right_answer_always_scores_one(case, rng):
    kind, correct, _ = case
    ticked = list(correct)
    if kind != QuestionKind.ORDER:
        rng.shuffle(ticked)  # the order boxes are ticked in does not matter
    assert answer_score(kind=kind, correct_in_order=correct, answer=ticked) == 1


@rules
@given(question_and_answer(kinds=[QuestionKind.ORDER]))
def test_any_other_order_scores_zero(case):
    kind, correct, answer = case
    assume(answer != correct)
    assert answer_score(kind=kind, correct_in_order=correct, answer=answer) == 0


@rules
@given(question_and_answer(kinds=CHOICE_KINDS))
def test_a_choice_answer_scores_one_exactly_when_it_is_the_right_set(case):
    kind, correct, answer = case
    score = answer_score(kind=kind, correct_in_order=correct, answer=answer)
    assert score == (1 if set(answer) == set(correct) else 0)


def test_partial_or_extra_answers_score_zero():
    multiple = QuestionKind.MULTIPLE
    assert answer_score(kind=multiple, correct_in_order=[1, 2, 3], answer=[1, 2]) == 0
    assert answer_score(kind=multiple, correct_in_order=[1, 2], answer=[1, 2, 4]) == 0
    assert answer_score(kind=multiple, correct_in_order=[1, 2], answer=[]) == 0
    assert answer_score(kind=QuestionKind.SINGLE, correct_in_order=[1], answer=[2]) == 0
    # An "order" answer with every step but one swapped pair is wrong.
    order = QuestionKind.ORDER
    assert answer_score(kind=order, correct_in_order=[1, 2, 3], answer=[2, 1, 3]) == 0


scores = st.lists(
    st.decimals(min_value=0, max_value=1, places=3), min_size=1, max_size=30
)


@rules
@given(scores)
def test_competency_score_is_the_mean_between_zero_and_one(values):
    score = competency_score(values)
    assert Decimal(0) <= score <= Decimal(1)
    exact_mean = sum(Fraction(v) for v in values) / len(values)
    assert abs(Fraction(score) - exact_mean) < Fraction(1, 10**20)


@rules
@given(st.lists(st.sampled_from([Decimal(0), Decimal(1)]), min_size=1, max_size=10))
def test_competency_score_of_answers_is_the_share_of_right_answers(values):
    score = competency_score(values)
    share = Fraction(values.count(Decimal(1)), len(values))
    assert abs(Fraction(score) - share) < Fraction(1, 10**20)


def test_competency_score_without_questions_is_zero():
    assert competency_score([]) == 0


def test_is_attained_at_the_threshold_boundary():
    threshold = Decimal("0.80")  # as stored by Framework.mastery_threshold
    assert is_attained(Decimal("0.8"), threshold)
    assert is_attained(Decimal("0.800"), threshold)
    assert is_attained(Decimal(1), threshold)
    assert not is_attained(Decimal("0.79"), threshold)
    assert not is_attained(Decimal("0.7999999999"), threshold)
    # 4 right answers out of 5 is exactly 80 %: attained; 2 out of 3 is not.
    right, wrong = Decimal(1), Decimal(0)
    assert is_attained(competency_score([right, right, right, right, wrong]), threshold)
    assert not is_attained(competency_score([right, right, wrong]), threshold)
    assert is_attained(competency_score([right, right, right]), threshold)


@rules
@given(
    st.decimals(min_value="0.5", max_value=1, places=2),
    st.decimals(min_value=0, max_value=1, places=3),
)
def test_is_attained_from_the_threshold_up(threshold, score):
    assert is_attained(threshold, threshold)
    assert not is_attained(threshold - Decimal("0.001"), threshold)
    if is_attained(score, threshold):
        assert is_attained(min(score + Decimal("0.001"), Decimal(1)), threshold)
        assert score >= threshold
    else:
        assert score < threshold
