"""Read a submitted quiz form against what was served, refusing anything else."""

from django.http import QueryDict

from .errors import AssessmentsError
from .models import QuestionKind, ServedQuestion


def field_name(position: int) -> str:
    return f"q{position}"


def rank_field_name(position: int, choice_id: int) -> str:
    return f"q{position}-rang-{choice_id}"


def as_small_int(value: str) -> int | None:
    """An identifier or rank as typed by a form: ASCII digits, a few of them."""
    if value.isascii() and value.isdigit() and len(value) <= 12:
        return int(value)
    return None


def parse_submission(
    *, served: list[ServedQuestion], data: QueryDict
) -> dict[int, list[int]]:
    """Return each served position's answer, as choice ids (in the learner's order for
    "order" questions). Raise on any answer the quiz did not ask for."""
    expected = {}
    for item in served:
        if item.question.kind == QuestionKind.ORDER:
            for choice_id in item.choice_ids:
                expected[rank_field_name(item.position, choice_id)] = item
        else:
            expected[field_name(item.position)] = item
    for key in data:
        if key.startswith("q") and key not in expected:
            raise AssessmentsError(
                "Ta réponse concerne une question qui ne fait pas partie de ce quiz : "
                "recharge la page et réponds de nouveau."
            )

    answers: dict[int, list[int]] = {}
    missing: list[int] = []
    for item in served:
        number = item.position
        if item.question.kind == QuestionKind.ORDER:
            answer = _order_answer(item, data)
        else:
            answer = _choice_answer(item, data)
        if answer:
            answers[number] = answer
        else:
            missing.append(number)
    if missing:
        listed = ", ".join(str(n) for n in missing)
        raise AssessmentsError(
            f"Il manque ta réponse à la question {listed}."
            if len(missing) == 1
            else f"Il manque tes réponses aux questions {listed}."
        )
    return answers


def _choice_answer(item: ServedQuestion, data: QueryDict) -> list[int]:
    values = data.getlist(field_name(item.position))
    ids = [as_small_int(value) for value in values]
    if any(choice_id not in item.choice_ids for choice_id in ids):
        raise AssessmentsError(
            f"Réponse inconnue à la question {item.position} : choisis parmi les "
            "réponses proposées."
        )
    if len(set(ids)) != len(ids):
        raise AssessmentsError(
            f"Réponse envoyée deux fois à la question {item.position}."
        )
    if item.question.kind != QuestionKind.MULTIPLE and len(ids) > 1:
        raise AssessmentsError(
            f"Une seule réponse est attendue à la question {item.position}."
        )
    return ids


def _order_answer(item: ServedQuestion, data: QueryDict) -> list[int]:
    count = len(item.choice_ids)
    ranks: dict[int, int] = {}
    for choice_id in item.choice_ids:
        values = data.getlist(rank_field_name(item.position, choice_id))
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
        ranks[choice_id] = rank
    if len(set(ranks.values())) != count:
        raise AssessmentsError(
            f"À la question {item.position}, deux étapes ont le même rang : donne un "
            "rang différent à chacune."
        )
    return sorted(ranks, key=ranks.get)
