from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Site,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from accounts.models import EDITORS_GROUP, TermsVersion
from core.services import journal_record

from .content import (
    LEGAL_PAGES,
    TERMS_VERSION,
    legal_page_body,
    terms_summary,
    was_shipped_before,
)
from .errors import CurriculumError
from .models import HomePage, LegalPage, ModuleIndexPage
from .selectors import fact_kinds

HOME_INTRO = (
    "À 18 ans, beaucoup de démarches arrivent d'un coup : compte bancaire, "
    "assurance, mutuelle, CAF, ameli, impôts… Ici, tu apprends à les faire toi-même, "
    "à ton rythme, et tu sais où trouver de l'aide près de chez toi. Une erreur n'est "
    "presque jamais définitive."
)
MODULES_INTRO = (
    "Des modules courts pour faire tes démarches toi-même. Commence par celui que "
    "tu veux : chacun se termine par un petit quiz."
)

# What the editors write, by app: they add, change and delete these in the CMS
# (snippets have no draft: saving one publishes it).
EDITOR_CONTENT_MODELS = {
    "curriculum": ["competency", "framework", "procedure"],
    "assessments": ["question"],
    "reminders": ["deadlinerule"],
    "wagtailimages": ["image"],
    "wagtaildocs": ["document"],
}
# On the modules' page tree: write, publish, and lock a page while reworking it.
EDITOR_PAGE_PERMISSIONS = [
    "add_page",
    "change_page",
    "publish_page",
    "lock_page",
    "unlock_page",
]
REVIEW_WORKFLOW = "Relecture"
REVIEW_TASK = "Relecture par l'équipe éditoriale"


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
        site = Site(root_page=home, is_default_site=True)
    previous = site.root_page if site.pk else None
    if previous is None or previous.pk != home.pk:
        site.root_page = home
        site.site_name = "Majorité prête"
    # Wagtail's own links (a page's full address, in the CMS e-mails) start with
    # the site's public address, like every other link the site sends.
    address = urlsplit(settings.SITE_URL)
    site.hostname = address.hostname
    site.port = address.port or (443 if address.scheme == "https" else 80)
    site.save()
    # Wagtail's placeholder "Welcome" page has no content of ours.
    if (
        previous is not None
        and previous.pk != home.pk
        and type(previous.specific) is Page
        and previous.depth == 2
    ):
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
    editors_setup(modules=module_index_ensure(home=home))
    return home


def module_index_ensure(*, home: HomePage) -> ModuleIndexPage:
    """« Les modules » (/modules/, linked from every page), under the home page."""
    index = ModuleIndexPage.objects.first()
    if index is None:
        index = home.add_child(
            instance=ModuleIndexPage(
                title="Les modules", slug="modules", intro=MODULES_INTRO
            )
        )
    return index


@transaction.atomic
def editors_setup(*, modules: ModuleIndexPage) -> Group:
    """The editors group publishes the modules, questions and deadline rules itself;
    an editor may also ask a colleague for a second read (workflow « Relecture »,
    approved by any editor). Idempotent, and only adds: a right or workflow an
    administrator gave in the CMS is never taken away."""
    editors, _ = Group.objects.get_or_create(name=EDITORS_GROUP)
    content = Q()
    for app_label, models in EDITOR_CONTENT_MODELS.items():
        content |= Q(
            content_type__app_label=app_label,
            codename__in=[
                f"{action}_{model}"
                for model in models
                for action in ("add", "change", "delete", "choose")
            ],
        )
    editors.permissions.add(
        *Permission.objects.filter(
            content | Q(content_type__app_label="wagtailadmin", codename="access_admin")
        )
    )
    for permission in Permission.objects.filter(
        content_type__app_label="wagtailcore", codename__in=EDITOR_PAGE_PERMISSIONS
    ):
        GroupPagePermission.objects.get_or_create(
            group=editors, page=modules, permission=permission
        )
    workflow, _ = Workflow.objects.get_or_create(name=REVIEW_WORKFLOW)
    task = GroupApprovalTask.objects.filter(name=REVIEW_TASK).first()
    if task is None:
        task = GroupApprovalTask.objects.create(name=REVIEW_TASK)
        task.groups.add(editors)
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.get_or_create(page=modules, defaults={"workflow": workflow})
    return editors


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


def fact_check_record(*, actor, kind: str, pk: int, today: date):
    """« Vérifié aujourd'hui »: the editor read the item again against its source (a
    window's dates: against the published calendar). Journaled with its author."""
    fact = fact_kinds().get(kind)
    if fact is None:
        raise CurriculumError("Ce type de contenu ne se vérifie pas ici.")
    if not actor.has_perm(fact.permission):
        raise PermissionDenied
    with transaction.atomic():
        item = fact.model.objects.select_for_update().filter(pk=pk).first()
        if item is None:
            raise CurriculumError(
                "Ce contenu n'existe plus : il a peut-être été supprimé entre-temps."
            )
        if kind == "fenetre":
            item.dates_estimated = False
            item.save(update_fields=["dates_estimated"])
        else:
            item.checked_on = today
            item.save(update_fields=["checked_on"])
        journal_record(
            actor=actor,
            action="content.fact_checked",
            target=item,
            details={"kind": kind, "checked_on": today.isoformat()},
        )
    return item
