"""Read a submitted quiz form against what was served, refusing anything else.

Answers are the served options' random tokens: nothing in the form (values, names,
their order or length) says which option is right."""

import secrets

from django.http import QueryDict

from .errors import AssessmentsError
from .models import QuestionKind, ServedQuestion

# 12 URL-safe characters: every token has the same length, whatever the option.
TOKEN_BYTES = 9


def new_tokens(count: int) -> list[str]:
    """`count` distinct random tokens for one question's options."""
    tokens: list[str] = []
    while len(tokens) < count:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        if token not in tokens:
            tokens.append(token)
    return tokens


def field_name(position: int) -> str:
    return f"q{position}"


def rank_field_name(position: int, token: str) -> str:
    return f"q{position}-rang-{token}"


def as_small_int(value: str) -> int | None:
    """A rank as typed by a form: ASCII digits, a few of them."""
    if value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def parse_submission(
    *, served: list[ServedQuestion], data: QueryDict
) -> dict[int, list[str]]:
    """Return each served position's answer, as tokens (in the learner's order for
    "order" questions). Raise on any answer the quiz did not ask for."""
    expected = set()
    for item in served:
        if item.is_order:
            expected.update(rank_field_name(item.position, t) for t in item.tokens)
        else:
            expected.add(field_name(item.position))
    for key in data:
        if key.startswith("q") and key not in expected:
            raise AssessmentsError(
                "Ta réponse concerne une question qui ne fait pas partie de ce quiz : "
                "recharge la page et réponds de nouveau."
            )

    answers: dict[int, list[str]] = {}
    missing: list[int] = []
    for item in served:
        answer = (
            _order_answer(item, data) if item.is_order else _choice_answer(item, data)
        )
        if answer:
            answers[item.position] = answer
        else:
            missing.append(item.position)
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise AssessmentsError(
            f"Il manque ta réponse à la question {listed}."
            if len(missing) == 1
            else f"Il manque tes réponses aux questions {listed}."
        )
    return answers


def _choice_answer(item: ServedQuestion, data: QueryDict) -> list[str]:
    tokens = data.getlist(field_name(item.position))
    served = item.tokens
    if any(token not in served for token in tokens):
        raise AssessmentsError(
            f"Réponse inconnue à la question {item.position} : choisis parmi les "
            "réponses proposées."
        )
    if len(set(tokens)) != len(tokens):
        raise AssessmentsError(
            f"Réponse envoyée deux fois à la question {item.position}."
        )
    if item.kind != QuestionKind.MULTIPLE and len(tokens) > 1:
        raise AssessmentsError(
            f"Une seule réponse est attendue à la question {item.position}."
        )
    return tokens


def _order_answer(item: ServedQuestion, data: QueryDict) -> list[str]:
    count = len(item.options)
    ranks: dict[str, int] = {}
    for token in item.tokens:
        values = data.getlist(rank_field_name(item.position, token))
        if not values or values == [""]:
            return []
        if len(values) > 1:
            raise AssessmentsError(
                f"Réponse envoyée deux fois à la question {item.position}."
            )
        rank = as_small_int(values[0])
        if rank is None or not 1 <= rank <= count:
            raise AssessmentsError(
                f"À la question {item.position}, chaque étape prend un rang de 1 à "
                f"{count}."
            )
        ranks[token] = rank
    if len(set(ranks.values())) != count:
        raise AssessmentsError(
            f"À la question {item.position}, deux étapes ont le même rang : donne un "
            "rang différent à chacune."
        )
    return sorted(ranks, key=ranks.get)
