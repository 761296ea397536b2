from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A business rule refused an action; the message is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CoreError(DomainError):
    pass


class RefusedWithProblems(DomainError):
    """Refused, with the list of what is wrong (each bad line of a file)."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []


class AccessRefused(PermissionDenied):
    """A 403 whose message is written for the person refused (the 403 page shows
    it; other refusals keep the page's general words)."""
