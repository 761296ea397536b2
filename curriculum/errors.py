from core.errors import DomainError


class CurriculumError(DomainError):
    """A content action was refused; the message says why, in French."""
