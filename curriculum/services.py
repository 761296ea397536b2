from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from accounts.models import TermsVersion

from .content import (
    LEGAL_PAGES,
    TERMS_VERSION,
    legal_page_body,
    terms_summary,
    was_shipped_before,
)
from .models import HomePage, LegalPage

HOME_INTRO = (
    "À 18 ans, beaucoup de démarches arrivent d'un coup : compte bancaire, "
    "assurance, mutuelle, CAF, ameli, impôts… Ici, tu apprends à les faire toi-même, "
    "à ton rythme, et tu sais où trouver de l'aide près de chez toi. Une erreur n'est "
    "presque jamais définitive."
)


@transaction.atomic
def site_setup() -> HomePage:
    """Make the site root a HomePage with its legal pages and terms. Idempotent:
    pages that exist are left as editors made them."""
    home = HomePage.objects.first()
    if home is None:
        # Wagtail's migrations create the locale and tree root; a flushed database
        # (as in transactional tests) has neither.
        Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
        root = Page.get_first_root_node() or Page.add_root(
            instance=Page(title="Racine", slug="root")
        )
        home = root.add_child(
            instance=HomePage(
                title="Prêt·e pour tes 18 ans ?", slug="accueil", intro=HOME_INTRO
            )
        )
    site = Site.objects.filter(is_default_site=True).first()
    if site is None:
        Site.objects.create(
            hostname="localhost", port=80, root_page=home, is_default_site=True
        )
    elif site.root_page_id != home.pk:
        previous = site.root_page
        site.root_page = home
        site.site_name = "Majorité prête"
        site.save()
        # Wagtail's placeholder "Welcome" page has no content of ours.
        if type(previous.specific) is Page and previous.depth == 2:
            previous.delete()
    existing = set(LegalPage.objects.values_list("kind", flat=True))
    for page in LEGAL_PAGES:
        if page["kind"] not in existing:
            home.add_child(
                instance=LegalPage(
                    last_reviewed=date.today(),
                    body=legal_page_body(page["slug"]),
                    **page,
                )
            )
    TermsVersion.objects.get_or_create(
        version=TERMS_VERSION, defaults={"summary": terms_summary()}
    )
    return home


@dataclass
class LegalPagesReport:
    updated: list[str] = field(default_factory=list)
    left_as_edited: list[str] = field(default_factory=list)


@transaction.atomic
def legal_pages_refresh(*, force: bool = False) -> LegalPagesReport:
    """Bring existing legal pages to the text this version ships (a corrected
    privacy notice must reach sites already running). A page still holding an
    earlier shipped text is updated; one an editor changed (or has a draft of) is
    left alone, unless `force`. Each update is a new published revision, so the
    CMS history keeps the previous text."""
    report = LegalPagesReport()
    for spec in LEGAL_PAGES:
        page = LegalPage.objects.filter(kind=spec["kind"]).first()
        body = legal_page_body(spec["slug"])
        if page is None or page.body == body:
            continue
        untouched = (
            was_shipped_before(spec["slug"], page.body)
            and not page.has_unpublished_changes
        )
        if not (force or untouched):
            report.left_as_edited.append(page.title)
            continue
        page.body = body
        page.last_reviewed = date.today()
        page.save_revision(log_action=True).publish()
        report.updated.append(page.title)
    return report
