import re
import unicodedata


def search_key(text: str) -> str:
    """Lowercase, no accents, hyphens and apostrophes as spaces:
    'Rémalard-en-Perche' and 'remalard en perche' give the same key."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(c for c in decomposed if not unicodedata.combining(c))
    ascii_text = ascii_text.replace("œ", "oe").replace("Œ", "oe")
    return re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).strip()
