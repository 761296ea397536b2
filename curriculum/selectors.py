from datetime import datetime

from django.db.models import QuerySet

from .models import Framework, LegalPage, ModulePage


def legal_page_list() -> QuerySet[LegalPage]:
    return LegalPage.objects.live().only("title", "url_path", "kind").order_by("kind")


def framework_current(*, now: datetime | None = None) -> Framework | None:
    """The framework version in force (at `now`, if given): the latest published."""
    published = Framework.objects.published()
    if now is not None:
        published = published.filter(published_at__lte=now)
    return published.order_by("-published_at", "-version").first()


def framework_versions_with(competency_id: int | None) -> list[Framework]:
    """The framework versions a competency belongs to, oldest first."""
    if competency_id is None:
        return []
    return list(
        Framework.objects.filter(competencies=competency_id)
        .only("version", "published_at")
        .order_by("version")
    )


def module_list() -> QuerySet[ModulePage]:
    """Live modules in the page tree's order, with their competencies."""
    return ModulePage.objects.live().order_by("path").prefetch_related("competencies")
