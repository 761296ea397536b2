"""Public verification codes: short enough to type, impossible to guess."""

import re
import secrets

# No vowel (no word can be spelt), no look-alike (0/O, 1/I/L, 5/S, 2/Z, 8/B).
ALPHABET = "CDFGHJKMNPQRTVWX34679"
LENGTH = 10
_WELL_FORMED = re.compile(f"^[{ALPHABET}]{{{LENGTH}}}$")


def code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def code_normalize(typed: str) -> str | None:
    """The code someone typed (any case, spaces or dashes), or None when it cannot
    be one: it is then answered exactly like an unknown code."""
    code = re.sub(r"[\s\-]", "", typed or "").upper()
    return code if _WELL_FORMED.match(code) else None


def code_display(code: str) -> str:
    """In two groups, easier to read out: 7KQ3M-XW4TP."""
    return f"{code[:5]}-{code[5:]}"
