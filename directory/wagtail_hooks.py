import django_filters
from django.core.exceptions import PermissionDenied
from django.urls import include, path, reverse, reverse_lazy
from django.utils.functional import cached_property
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets import HeaderButton
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import (
    DeleteView,
    EditView,
    HistoryView,
    IndexView,
    SnippetViewSetGroup,
    UsageView,
)

from core.cms import NamedSnippetViewSet
from territories.models import EPCI, Commune

from . import access
from .admin_forms import HelpPlaceAdminForm
from .admin_views import (
    HelpPlaceExportView,
    HelpPlaceImportView,
    help_places_export_download,
)
from .models import HelpPlace
from .services import help_place_change_record

help_place_policy = access.help_place_policy()


def managed_places(request):
    return help_place_policy.instances_user_has_permission_for(request.user, "change")


class ScopedObjectMixin:
    """Another EPCI's place: Wagtail's "permission denied", whatever the view."""

    def get_object(self, *args, **kwargs):
        place = super().get_object(*args, **kwargs)
        if not help_place_policy.user_has_permission_for_instance(
            self.request.user, "change", place
        ):
            raise PermissionDenied
        return place


class HelpPlaceEditView(ScopedObjectMixin, EditView):
    pass


class HelpPlaceDeleteView(ScopedObjectMixin, DeleteView):
    pass


class HelpPlaceHistoryView(ScopedObjectMixin, HistoryView):
    pass


class HelpPlaceUsageView(ScopedObjectMixin, UsageView):
    pass


class HelpPlaceIndexView(IndexView):
    @cached_property
    def header_buttons(self):
        return [
            *super().header_buttons,
            HeaderButton(
                "Importer", url=reverse("directory_admin:import"), icon_name="upload"
            ),
            HeaderButton(
                "Exporter (CSV)",
                url=reverse("directory_admin:export"),
                icon_name="download",
            ),
        ]


def _filter_epcis(request):
    if request is None:
        return EPCI.objects.none()
    return EPCI.objects.filter(
        pk__in=managed_places(request).values("epci_id")
    ).order_by("name")


def _filter_communes(request):
    if request is None:
        return Commune.objects.none()
    return Commune.objects.filter(
        pk__in=managed_places(request).values("commune_id")
    ).order_by("name")


class HelpPlaceFilterSet(WagtailFilterSet):
    # Only the EPCIs and communes of the places the user manages.
    epci = django_filters.ModelChoiceFilter(
        label="EPCI gestionnaire", queryset=_filter_epcis
    )
    commune = django_filters.ModelChoiceFilter(
        label="Commune", queryset=_filter_communes
    )

    class Meta:
        model = HelpPlace
        fields = ["epci", "commune"]


class HelpPlaceViewSet(NamedSnippetViewSet):
    model = HelpPlace
    icon = "site"
    menu_label = "Lieux d'aide"
    add_item_label = "Ajouter un lieu d'aide"
    new_item_label = "Nouveau lieu d'aide"
    menu_name = "lieux-d-aide"
    list_display = [
        "nom",
        Column("commune_nom", label="Commune"),
        Column("epci", label="EPCI gestionnaire"),
        "date_maj",
    ]
    list_per_page = 50
    search_fields = ["nom", "commune_nom"]
    filterset_class = HelpPlaceFilterSet
    copy_view_enabled = False
    index_view_class = HelpPlaceIndexView
    edit_view_class = HelpPlaceEditView
    delete_view_class = HelpPlaceDeleteView
    history_view_class = HelpPlaceHistoryView
    usage_view_class = HelpPlaceUsageView
    edit_handler = ObjectList(
        [
            MultiFieldPanel(
                [
                    FieldPanel("nom"),
                    FieldPanel("standard_id"),
                    FieldPanel("pivot"),
                    FieldPanel("epci"),
                    FieldPanel("typologie"),
                    FieldPanel("structure_parente"),
                    FieldPanel("presentation_resume"),
                    FieldPanel("presentation_detail"),
                    FieldPanel("source"),
                    FieldPanel("date_maj"),
                ],
                heading="Identité",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("adresse"),
                    FieldPanel("complement_adresse"),
                    FieldPanel("code_postal"),
                    FieldPanel("commune"),
                    FieldPanel("latitude"),
                    FieldPanel("longitude"),
                    FieldPanel("itinerance"),
                ],
                heading="Adresse et coordonnées",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("telephone"),
                    FieldPanel("courriels"),
                    FieldPanel("site_web"),
                    FieldPanel("prise_rdv"),
                ],
                heading="Contact",
            ),
            MultiFieldPanel([FieldPanel("horaires")], heading="Horaires"),
            MultiFieldPanel(
                [
                    FieldPanel("services"),
                    FieldPanel("publics_specifiquement_adresses"),
                    FieldPanel("prise_en_charge_specifique"),
                    FieldPanel("frais_a_charge"),
                    FieldPanel("dispositif_programmes_nationaux"),
                    FieldPanel("formations_labels"),
                    FieldPanel("autres_formations_labels"),
                ],
                heading="Services et publics",
            ),
            MultiFieldPanel(
                [
                    FieldPanel("modalites_acces"),
                    FieldPanel("modalites_accompagnement"),
                    FieldPanel("fiche_acces_libre"),
                ],
                heading="Accès",
            ),
        ],
        base_form_class=HelpPlaceAdminForm,
    )

    def get_queryset(self, request):
        return managed_places(request).select_related("epci")


class DirectoryMenuItem(MenuItem):
    """Shown to those who manage help places somewhere."""

    def is_shown(self, request):
        return help_place_policy.user_has_permission(request.user, "add")


class DirectoryViewSetGroup(SnippetViewSetGroup):
    items = (HelpPlaceViewSet,)
    menu_icon = "site"
    menu_label = "Annuaire"
    menu_name = "annuaire"
    submenu_hook = "register_directory_menu_item"


@hooks.register("register_directory_menu_item")
def register_import_menu_item():
    return DirectoryMenuItem(
        "Importer des lieux",
        reverse_lazy("directory_admin:import"),
        name="importer-des-lieux",
        icon_name="upload",
        order=2,
    )


@hooks.register("register_directory_menu_item")
def register_export_menu_item():
    return DirectoryMenuItem(
        "Exporter (CSV)",
        reverse_lazy("directory_admin:export"),
        name="exporter-des-lieux",
        icon_name="download",
        order=3,
    )


@hooks.register("register_admin_urls")
def register_directory_admin_urls():
    urls = [
        path("importer/", HelpPlaceImportView.as_view(), name="import"),
        path("exporter/", HelpPlaceExportView.as_view(), name="export"),
        path(
            "exporter/tout.csv",
            help_places_export_download,
            name="export-all",
        ),
        path(
            "exporter/<str:siren>.csv",
            help_places_export_download,
            name="export-epci",
        ),
    ]
    return [path("annuaire/", include((urls, "directory_admin")))]


def _journal(request, places, change: str) -> None:
    for place in places:
        if isinstance(place, HelpPlace):
            help_place_change_record(actor=request.user, place=place, change=change)


@hooks.register("after_create_snippet")
def journal_help_place_created(request, instance):
    _journal(request, [instance], "created")


@hooks.register("after_edit_snippet")
def journal_help_place_changed(request, instance):
    _journal(request, [instance], "changed")


@hooks.register("after_delete_snippet")
def journal_help_places_deleted(request, instances):
    _journal(request, instances, "deleted")


register_permission_policy(HelpPlace, help_place_policy)
register_snippet(DirectoryViewSetGroup)
