"""The learner's quiz and attainments, for the "Mes données" export."""

from django.db.models import Prefetch

from accounts.personal_data import Section, section_register

from .models import (
    Attainment,
    Attempt,
    InPersonValidation,
    Passport,
    ServedQuestion,
    Visit,
)


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


def _in_person(user) -> dict:
    """Validations (withdrawals with their reason) and who opened the record; the
    codes themselves are never kept, only a keyed hash."""
    validations = (
        InPersonValidation.objects.filter(learner=user)
        .select_related("competency", "framework", "informer", "place", "withdrawal")
        .order_by("validated_at")
    )
    passports = (
        Passport.objects.filter(learner=user)
        .select_related("redeemed_by", "place", "visit__commune")
        .order_by("created_at")
    )
    return {
        "validations": [
            {
                "compétence": f"{v.competency.code} — {v.competency.label}",
                "version_du_référentiel": v.framework.version,
                "par": v.informer.first_name if v.informer else None,
                "lieu": v.place.nom,
                "le": v.validated_at,
                "note": v.note,
                "retirée_le": v.withdrawal.withdrawn_at
                if hasattr(v, "withdrawal")
                else None,
                "raison_du_retrait": v.withdrawal.reason
                if hasattr(v, "withdrawal")
                else None,
            }
            for v in validations
        ],
        "passeports": [
            {
                "demandé_le": p.created_at,
                "valable_jusqu_au": p.expires_at,
                "utilisé_le": p.redeemed_at,
                "par": p.redeemed_by.first_name if p.redeemed_by else None,
                "lieu": p.place.nom if p.place else None,
                "dossier_ouvert_jusqu_au": p.access_until,
                "ligne_du_registre_d_accueil": _visit(p.visit)
                if hasattr(p, "visit")
                else None,
            }
            for p in passports
        ],
    }


def _visit(visit: Visit) -> dict:
    """The register's line for a validation session: anonymous in the register,
    but linked to the learner's passport until the account goes."""
    return {
        "le": visit.visited_at,
        "motif": visit.get_purpose_display(),
        "commune": visit.commune.name if visit.commune else None,
        "tranche_d_âge": visit.get_age_band_display(),
        "durée_en_minutes": visit.minutes,
    }


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
    section_register(
        Section(
            key="validations_en_personne",
            order=75,
            title="Tes validations en personne",
            intro="Les compétences qu'un·e informateur·rice t'a vu faire (et les "
            "retraits, avec leur raison), et chaque code de passeport : quand tu "
            "l'as demandé, qui l'a utilisé pour ouvrir ton dossier, où, et la ligne "
            "que le lieu a notée dans son registre d'accueil (sans ton nom).",
            models=(
                "assessments.inpersonvalidation",
                "assessments.validationwithdrawal",
                "assessments.passport",
                "assessments.visit",
            ),
            read=_in_person,
        )
    )
