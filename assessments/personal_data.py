"""The learner's quiz and attainments, for the "Mes données" export."""

from django.db.models import Prefetch

from accounts.personal_data import Section, section_register

from .models import Attainment, Attempt, ServedQuestion


def _quiz(user) -> list:
    attempts = (
        Attempt.objects.filter(learner=user)
        .select_related("module", "framework")
        .prefetch_related(
            Prefetch("served_questions", ServedQuestion.objects.order_by("position"))
        )
        .order_by("started_at")
    )
    return [
        {
            "module": attempt.module.title,
            "version_du_référentiel": attempt.framework.version,
            "état": attempt.get_state_display(),
            "commencé_le": attempt.started_at,
            "rendu_le": attempt.submitted_at,
            "score": attempt.score,
            "questions": [_served(item) for item in attempt.served_questions.all()],
        }
        for attempt in attempts
    ]


def _served(item: ServedQuestion) -> dict:
    """The question as it was served (its snapshot), the learner's answer as text."""
    texts = {option["token"]: option["text"] for option in item.options}
    return {
        "numéro": item.position,
        "question": item.prompt,
        "réponses_proposées": [option["text"] for option in item.options],
        "ta_réponse": None
        if item.answer is None
        else [texts.get(token, token) for token in item.answer],
        "score": item.score,
    }


def _attainments(user) -> list:
    return [
        {
            "compétence": f"{a.competency.code} — {a.competency.label}",
            "version_du_référentiel": a.framework.version,
            "source": a.get_source_display(),
            "acquise_le": a.attained_at,
        }
        for a in Attainment.objects.filter(learner=user)
        .select_related("competency", "framework")
        .order_by("attained_at")
    ]


def register() -> None:
    section_register(
        Section(
            key="quiz",
            order=60,
            title="Tes quiz",
            intro="Chaque quiz commencé : les questions posées, les réponses "
            "proposées dans l'ordre où tu les as vues, ta réponse et ton score (1 = "
            "juste, 0 = faux).",
            models=("assessments.attempt", "assessments.servedquestion"),
            read=_quiz,
        )
    )
    section_register(
        Section(
            key="compétences_acquises",
            order=70,
            title="Tes compétences acquises",
            intro="Ce que tu as montré savoir faire, comment et quand.",
            models=("assessments.attainment",),
            read=_attainments,
        )
    )
