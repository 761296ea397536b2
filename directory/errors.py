from core.errors import DomainError


class DirectoryError(DomainError):
    """A directory operation was refused; `problems` lists each bad line."""

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = problems or []
