from core.errors import RefusedWithProblems


class TerritoriesError(RefusedWithProblems):
    """A territory operation was refused; `problems` lists each bad line."""
