from core.errors import DomainError


class AssessmentsError(DomainError):
    """A quiz or validation action was refused; nothing was written. `field` names
    the form field concerned, if any."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class AttemptAlreadyGraded(AssessmentsError):
    def __init__(self):
        super().__init__("Ce quiz a déjà été corrigé : voici ton résultat.")


# Unknown, mistyped, expired and spent codes all get this answer: it tells a
# guesser nothing.
PASSPORT_REFUSED = (
    "Ce code ne permet pas d'ouvrir un dossier : il est peut-être mal tapé, expiré "
    "(il vaut 15 minutes) ou déjà utilisé (il ne sert qu'une fois). Demandez au ou à "
    "la jeune d'afficher un nouveau code sur son téléphone."
)


class PassportRefused(AssessmentsError):
    def __init__(self):
        super().__init__(PASSPORT_REFUSED, field="code")
