from core.errors import DomainError


class AssessmentsError(DomainError):
    """A quiz action was refused; nothing was written."""


class AttemptAlreadyGraded(AssessmentsError):
    def __init__(self):
        super().__init__("Ce quiz a déjà été corrigé : voici ton résultat.")
