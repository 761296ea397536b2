from core.errors import RefusedWithProblems


class DirectoryError(RefusedWithProblems):
    """A directory operation was refused; `problems` lists each bad line."""
