"""Initial text of the legal pages and terms, kept as files beside this module;
editors change the pages in the CMS afterwards."""

from pathlib import Path

CONTENT_DIR = Path(__file__).resolve().parent / "content"

LEGAL_PAGES = [
    {"kind": "mentions", "title": "Mentions légales", "slug": "mentions-legales"},
    {
        "kind": "confidentialite",
        "title": "Confidentialité et données personnelles",
        "slug": "confidentialite",
    },
    {"kind": "accessibilite", "title": "Accessibilité", "slug": "accessibilite"},
]
TERMS_VERSION = "1.0"


def legal_page_body(slug: str) -> str:
    text = (CONTENT_DIR / f"{slug}.html").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("<!--"))


def terms_summary() -> str:
    return (
        (CONTENT_DIR / "conditions-utilisation.txt").read_text(encoding="utf-8").strip()
    )
