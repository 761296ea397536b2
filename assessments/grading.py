"""Pure grading rules: no database, so they can be checked exhaustively."""

from collections.abc import Sequence
from decimal import Decimal

from .models import QuestionKind

RIGHT = Decimal(1)
WRONG = Decimal(0)


def answer_score(
    *, kind: str, correct_in_order: Sequence[int], answer: Sequence[int]
) -> Decimal:
    """1 for a right answer, 0 otherwise.

    `correct_in_order` lists the right choices (for an "order" question, every choice
    in the right order); `answer` is what the learner chose (for "order", every choice
    in the learner's order)."""
    if kind == QuestionKind.ORDER:
        return RIGHT if list(answer) == list(correct_in_order) else WRONG
    return RIGHT if set(answer) == set(correct_in_order) else WRONG


def competency_score(scores: Sequence[Decimal]) -> Decimal:
    if not scores:
        return WRONG
    return sum(scores, WRONG) / len(scores)


def is_attained(score: Decimal, threshold: Decimal) -> bool:
    return score >= threshold
