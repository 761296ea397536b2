from django.db.models import QuerySet

from .models import Framework, LegalPage, ModulePage


def legal_page_list() -> QuerySet[LegalPage]:
    return LegalPage.objects.live().only("title", "url_path", "kind").order_by("kind")


def framework_current() -> Framework | None:
    """The framework version in force: the latest published one."""
    return Framework.objects.published().order_by("-published_at", "-version").first()


def module_list() -> QuerySet[ModulePage]:
    """Live modules in the page tree's order, with their competencies."""
    return ModulePage.objects.live().order_by("path").prefetch_related("competencies")
