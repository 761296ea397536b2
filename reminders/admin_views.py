"""The operators' page in the CMS: reminders by state, failures, sweeps."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import View
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from . import selectors, services
from .errors import RemindersError


class OperationsView(WagtailAdminTemplateMixin, View):
    page_title = "Rappels et plannings"
    template_name = "reminders/admin/operations.html"
    header_icon = "time"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request):
        operations = selectors.operations_for(user=request.user, now=timezone.now())
        return self.render_to_response(self.get_context_data(ops=operations))

    def post(self, request):
        """« Renvoyer » a failed reminder."""
        try:
            delivery = services.reminder_delivery_retry(
                actor=request.user,
                delivery_id=int(request.POST.get("delivery", "0") or 0),
            )
        except (RemindersError, ValueError, OverflowError):
            messages.error(
                request,
                "Ce rappel ne peut pas être renvoyé : il n'est pas en échec, ou son "
                "adresse a été refusée par le serveur de courrier.",
            )
        else:
            messages.success(
                request, f"Le rappel n°{delivery.pk} repart au prochain envoi."
            )
        return redirect("reminders_admin:operations")
