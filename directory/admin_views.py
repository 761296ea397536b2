"""The directory's import and export pages in the CMS.

Import in two steps. "Vérifier" checks the uploaded file and writes nothing; the
file's bytes then wait in the user's session (with their SHA-256 and the EPCI
chosen) so that "Importer" imports exactly the file whose report the user read, not a
re-uploaded one. The import re-checks everything (`help_places_import`): if the
directory changed in between, the user gets the new report and nothing half-written.
"""

import base64
import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import View
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .access import managed_epci_ids_or_refuse, managed_epci_list
from .admin_forms import HelpPlaceImportForm
from .errors import DirectoryError
from .export import export_filename, help_places_export_csv
from .models import HelpPlace
from .services import help_places_import, help_places_parse

SESSION_KEY = "directory_import"


def _listing_url() -> str:
    return reverse(HelpPlace.snippet_viewset.get_url_name("list"))


class DirectoryAdminView(WagtailAdminTemplateMixin, View):
    header_icon = "site"

    def dispatch(self, request, *args, **kwargs):
        self.allowed = managed_epci_ids_or_refuse(request.user)
        self.epcis = managed_epci_list(request.user)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": _listing_url(), "label": "Lieux d'aide"},
            {"url": "", "label": self.get_page_title()},
        ]


class HelpPlaceImportView(DirectoryAdminView):
    page_title = "Importer des lieux"
    template_name = "directory/admin/help_place_import.html"
    header_icon = "upload"

    def get(self, request):
        return self.render_to_response(
            self.get_context_data(form=HelpPlaceImportForm(user=request.user))
        )

    def post(self, request):
        if "digest" in request.POST:
            return self._import(request)
        return self._check(request)

    def _check(self, request):
        """Step 1: read the report; nothing is written."""
        # A new check forgets the file checked before.
        request.session.pop(SESSION_KEY, None)
        form = HelpPlaceImportForm(request.POST, request.FILES, user=request.user)
        context = {"form": form}
        if form.is_valid():
            data = form.cleaned_data["fichier"]
            epci = form.cleaned_data["epci"]
            try:
                rows, report = help_places_parse(data=data, epci=epci)
            except DirectoryError as error:
                context["error"] = error
            else:
                digest = hashlib.sha256(data).hexdigest()
                request.session[SESSION_KEY] = {
                    "digest": digest,
                    "data": base64.b64encode(data).decode("ascii"),
                    "epci": epci.pk if epci else None,
                    "name": request.FILES["fichier"].name,
                }
                context.update(
                    report=report,
                    valid_rows=len(rows),
                    digest=digest,
                    file_name=request.FILES["fichier"].name,
                    epci=epci,
                )
        return self.render_to_response(self.get_context_data(**context))

    def _import(self, request):
        """Step 2: import the file checked in step 1, all lines or the valid ones."""
        stored = request.session.get(SESSION_KEY)
        form = HelpPlaceImportForm(user=request.user)
        if not stored or stored["digest"] != request.POST["digest"]:
            messages.error(
                request,
                "Le fichier vérifié n'est plus disponible : envoyez-le à nouveau.",
            )
            return self.render_to_response(self.get_context_data(form=form))
        epci = None
        if stored["epci"] is not None:
            epci = self.epcis.filter(pk=stored["epci"]).first()
            if epci is None:
                raise PermissionDenied
        elif self.allowed is not None:
            raise PermissionDenied
        try:
            report = help_places_import(
                data=base64.b64decode(stored["data"]),
                epci=epci,
                actor=request.user,
                only_valid_rows=request.POST.get("lignes") == "valides",
            )
        except DirectoryError as error:
            return self.render_to_response(
                self.get_context_data(form=form, error=error)
            )
        del request.session[SESSION_KEY]
        messages.success(request, f"Import de « {stored['name']} » : {report}")
        return redirect(_listing_url())


class HelpPlaceExportView(DirectoryAdminView):
    """The download links: the user's EPCIs, and the whole directory for admins."""

    page_title = "Exporter les lieux (CSV)"
    template_name = "directory/admin/help_place_export.html"
    header_icon = "download"

    def get(self, request):
        return self.render_to_response(
            self.get_context_data(epcis=self.epcis, whole=self.allowed is None)
        )


def help_places_export_download(request, siren: str | None = None):
    """The CSV of one EPCI's places, or of the whole directory (admins only)."""
    allowed = managed_epci_ids_or_refuse(request.user)
    epci = None
    if siren is not None:
        epci = get_object_or_404(
            managed_epci_list(request.user),
            siren=siren,
        )
    elif allowed is not None:
        raise PermissionDenied
    response = HttpResponse(
        help_places_export_csv(epci=epci), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{export_filename(epci=epci)}"'
    )
    return response
