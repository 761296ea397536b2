"""Initial text of the legal pages and terms, kept as files beside this module;
editors change the pages in the CMS afterwards."""

import hashlib
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
TERMS_VERSION = "1.1"
# SHA-256 of the bodies earlier versions of the site shipped, per page: a page that
# still holds one was never edited in the CMS, and gets the current text.
SHIPPED_BEFORE = {
    "confidentialite": {
        "7db95ea4e9656571cb5759002b4a093b66c51ca5e7edb8dfd8bdfcc2196c2036",
        "7248fe164e5cb5ee8d99cf4745cea91eab5574854768cc273600b166c1b59d7a",
    },
}


def legal_page_body(slug: str) -> str:
    text = (CONTENT_DIR / f"{slug}.html").read_text(encoding="utf-8")
    return "\n".join(line for line in text.splitlines() if not line.startswith("<!--"))


def terms_summary() -> str:
    return (
        (CONTENT_DIR / "conditions-utilisation.txt").read_text(encoding="utf-8").strip()
    )


def was_shipped_before(slug: str, body: str) -> bool:
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
    return digest in SHIPPED_BEFORE.get(slug, set())
