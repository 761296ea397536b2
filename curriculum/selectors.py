from django.db.models import QuerySet

from .models import LegalPage


def legal_page_list() -> QuerySet[LegalPage]:
    return LegalPage.objects.live().only("title", "url_path", "kind").order_by("kind")
