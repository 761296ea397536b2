from django.contrib import messages
from django.shortcuts import redirect
from django.urls import include, path, reverse, reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import ObjectList
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CopyView, EditView, SnippetViewSetGroup

from accounts.models import TermsVersion
from core.cms import NamedSnippetViewSet, NotePanel, YesNoColumn

from .admin_views import FactChecksView, can_check_facts
from .models import FROZEN_MESSAGE, Competency, Framework, Procedure
from .presenters import competency_version_note


class FrameworkPermissionPolicy(ModelPermissionPolicy):
    """A published framework version is frozen: nobody edits or deletes it."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action in ("change", "delete") and instance.is_published:
            return False
        return super().user_has_permission_for_instance(user, action, instance)


class CompetencyPermissionPolicy(ModelPermissionPolicy):
    """A competency of a published framework version is never deleted (its code,
    label and in-person flag are frozen too: see `Competency.clean`)."""

    def user_has_permission_for_instance(self, user, action, instance):
        if action == "delete" and instance.published_versions():
            return False
        return super().user_has_permission_for_instance(user, action, instance)


class CompetencyViewSet(NamedSnippetViewSet):
    model = Competency
    icon = "tick-inverse"
    menu_label = "Compétences"
    add_item_label = "Ajouter une compétence"
    new_item_label = "Nouvelle compétence"
    list_display = [
        "code",
        "label",
        YesNoColumn("requires_in_person", label="Validation en personne"),
    ]
    search_fields = ["code", "label"]
    edit_handler = ObjectList(
        [
            NotePanel(competency_version_note, heading="Version du référentiel"),
            *Competency.panels,
        ]
    )


class FrameworkEditView(EditView):
    """Editing a published version leads to a copy: the next version, as a draft."""

    def dispatch(self, request, *args, **kwargs):
        if self.object.is_published:
            messages.warning(
                request,
                FROZEN_MESSAGE + " Voici une copie à enregistrer comme brouillon.",
            )
            return redirect(reverse(self.copy_url_name, args=[self.object.pk]))
        return super().dispatch(request, *args, **kwargs)


class FrameworkCopyView(CopyView):
    def get_initial_form_instance(self):
        original = super().get_initial_form_instance()
        draft = Framework(
            name=original.name,
            version=(
                Framework.objects.filter(name=original.name)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
                + 1
            ),
            mastery_threshold=original.mastery_threshold,
            questions_per_competency=original.questions_per_competency,
            quiz_cooldown_minutes=original.quiz_cooldown_minutes,
            attempt_time_limit_minutes=original.attempt_time_limit_minutes,
        )
        draft.competencies = list(original.competencies.all())
        return draft


class FrameworkViewSet(NamedSnippetViewSet):
    model = Framework
    icon = "list-ul"
    menu_label = "Référentiels"
    add_item_label = "Ajouter un référentiel"
    new_item_label = "Nouveau référentiel"
    list_display = ["name", "version", "published_at"]
    edit_view_class = FrameworkEditView
    copy_view_class = FrameworkCopyView


class ProcedureViewSet(NamedSnippetViewSet):
    model = Procedure
    icon = "form"
    menu_label = "Démarches"
    add_item_label = "Ajouter une démarche"
    new_item_label = "Nouvelle démarche"
    list_display = ["title", "institution", "online_service_url"]
    search_fields = ["title", "institution"]


class TermsVersionViewSet(NamedSnippetViewSet):
    model = TermsVersion
    icon = "doc-full"
    menu_label = "Conditions d'utilisation"
    add_item_label = "Ajouter une version des conditions d'utilisation"
    new_item_label = "Nouvelle version des conditions d'utilisation"
    list_display = ["version", "effective_from"]


class CurriculumViewSetGroup(SnippetViewSetGroup):
    items = (CompetencyViewSet, FrameworkViewSet, ProcedureViewSet)
    menu_icon = "folder-open-inverse"
    menu_label = "Référentiel"
    menu_name = "referentiel"


register_permission_policy(Framework, FrameworkPermissionPolicy(Framework))
register_permission_policy(Competency, CompetencyPermissionPolicy(Competency))
register_snippet(CurriculumViewSetGroup)
register_snippet(TermsVersionViewSet)


class FactChecksMenuItem(MenuItem):
    def is_shown(self, request):
        return can_check_facts(request.user)


@hooks.register("register_admin_urls")
def register_fact_checks_url():
    urls = [path("", FactChecksView.as_view(), name="list")]
    return [path("a-reverifier/", include((urls, "fact_checks")))]


@hooks.register("register_admin_menu_item")
def register_fact_checks_menu_item():
    return FactChecksMenuItem(
        "À revérifier",
        reverse_lazy("fact_checks:list"),
        name="a-reverifier",
        icon_name="date",
        order=320,
    )
