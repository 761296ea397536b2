"""The editors' page in the CMS: facts to check again, with « vérifié aujourd'hui »."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import View
from wagtail.admin.admin_url_finder import AdminURLFinder
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from core.converters import IdConverter
from core.formatting import date_text

from . import selectors, services
from .errors import CurriculumError


def can_check_facts(user) -> bool:
    return any(
        user.has_perm(kind.permission) for kind in selectors.fact_kinds().values()
    )


class FactChecksView(WagtailAdminTemplateMixin, View):
    page_title = "À revérifier"
    template_name = "curriculum/admin/fact_checks.html"
    header_icon = "date"

    def dispatch(self, request, *args, **kwargs):
        if not can_check_facts(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [*self.breadcrumbs_items, {"url": "", "label": self.page_title}]

    def get(self, request):
        today = timezone.localdate()
        facts = selectors.facts_to_check(user=request.user, today=today)
        finder = AdminURLFinder(request.user)
        rows = [(fact, finder.get_edit_url(fact.edit_target)) for fact in facts]
        return self.render_to_response(self.get_context_data(rows=rows, today=today))

    def post(self, request):
        today = timezone.localdate()
        try:
            pk = int(request.POST.get("pk", ""))
            if not 0 < pk <= IdConverter.max_value:  # the database would refuse it
                raise ValueError(pk)
            services.fact_check_record(
                actor=request.user,
                kind=request.POST.get("kind", ""),
                pk=pk,
                today=today,
            )
        except ValueError:
            messages.error(request, "Ce contenu est introuvable : rechargez la page.")
        except CurriculumError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, f"C'est noté : vérifié le {date_text(today)}, au journal."
            )
        return redirect("fact_checks:list")
