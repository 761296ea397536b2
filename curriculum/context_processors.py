from django.conf import settings
from django.utils.functional import SimpleLazyObject

from core.selectors import dev_outbox_enabled

from .selectors import legal_page_list


def site_chrome(request):
    """Footer links, loaded only when a template uses them."""

    def links():
        return [
            {
                "title": page.title,
                "url": page.get_url(request=request),
                "kind": page.kind,
            }
            for page in legal_page_list()
        ]

    return {
        "legal_pages": SimpleLazyObject(links),
        "SITE_URL": settings.SITE_URL,
        "dev_outbox": dev_outbox_enabled(request=request),
    }
