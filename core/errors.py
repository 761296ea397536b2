class DomainError(Exception):
    """A business rule refused an action; the message is shown to the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CoreError(DomainError):
    pass
