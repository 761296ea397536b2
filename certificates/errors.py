from core.errors import DomainError


class CertificatesError(DomainError):
    """A refused certificate operation; `field` names the form field concerned."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field
