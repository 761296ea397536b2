"""What the CMS tells an editor about the framework version an edit belongs to,
as the code really works: the question bank is one for every version, a quiz
draws from the version in force when it starts and keeps a copy of each question
it served (so a graded quiz never changes), and a published version's
competencies keep their code, label and validation mode."""

from .selectors import framework_current, framework_versions_with

PAST_QUIZZES = (
    "Les quiz déjà passés restent tels qu'ils ont été corrigés : chacun garde une "
    "copie des questions servies."
)


def _listed(versions) -> str:
    numbers = [str(framework.version) for framework in versions]
    if len(numbers) == 1:
        return f"la version {numbers[0]}"
    return f"les versions {', '.join(numbers[:-1])} et {numbers[-1]}"


def question_version_note(question) -> str:
    current = framework_current()
    if question is None:
        if current is None:
            return (
                "Aucune version du référentiel n'est publiée : une question ne sert "
                "dans un quiz qu'une fois une version publiée."
            )
        return (
            "Une question enregistrée sert aussitôt dans les quiz commencés ensuite, "
            f"si sa compétence fait partie de la version {current.version} du "
            f"référentiel (en vigueur). {PAST_QUIZZES}"
        )
    versions = framework_versions_with(question.competency_id)
    drafts = [framework for framework in versions if not framework.is_published]
    code = question.competency.code
    if not question.is_active:
        note = "Cette question n'est pas en service : aucun quiz ne la tire."
    elif current is not None and current in versions:
        note = (
            "Cette modification vaudra dès l'enregistrement pour les quiz commencés "
            f"ensuite, sous la version {current.version} du référentiel (en vigueur)"
        )
        if drafts:
            note += f", et pour {_listed(drafts)} (brouillon) une fois publiée"
        note += "."
    elif drafts:
        note = (
            f"Cette question ne sert encore dans aucun quiz : sa compétence {code} "
            f"n'entre que dans {_listed(drafts)} (brouillon) du référentiel ; elle "
            "servira à sa publication."
        )
    else:
        note = (
            f"Cette question ne sert dans aucun quiz : sa compétence {code} ne fait "
            "pas partie de la version en vigueur du référentiel."
        )
    return f"{note} {PAST_QUIZZES}"


def competency_version_note(competency) -> str:
    if competency is None:
        return (
            "Une nouvelle compétence ne compte qu'une fois ajoutée à une version du "
            "référentiel : le brouillon de la prochaine version (une version publiée "
            "ne change plus)."
        )
    versions = framework_versions_with(competency.pk)
    published = [framework for framework in versions if framework.is_published]
    drafts = [framework for framework in versions if not framework.is_published]
    if published:
        note = (
            f"Cette compétence fait partie de {_listed(published)} publiée du "
            "référentiel : son code, son intitulé et son mode de validation ne "
            "changent plus. Sa description se corrige, et la correction vaut pour "
            "toutes les versions."
        )
        if drafts:
            note += f" Elle est aussi dans {_listed(drafts)} (brouillon)."
        return note
    if drafts:
        return (
            f"Cette compétence n'est que dans {_listed(drafts)} (brouillon) du "
            "référentiel : tout s'y modifie encore. À la publication, son code, son "
            "intitulé et son mode de validation seront figés."
        )
    return (
        "Cette compétence ne fait partie d'aucune version du référentiel : "
        "ajoute-la au brouillon de la prochaine version pour qu'elle compte."
    )
