from django.db import transaction
from django.urls import include, path, reverse_lazy
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet

from core.cms import NamedSnippetViewSet, YesNoColumn

from .admin_views import OperationsView
from .models import DeadlineRule, SweepTrigger
from .tasks import deadlines_sweep


class DeadlineRuleViewSet(NamedSnippetViewSet):
    model = DeadlineRule
    icon = "date"
    menu_label = "Échéances"
    menu_order = 310
    add_to_admin_menu = True
    add_item_label = "Ajouter une règle d'échéance"
    new_item_label = "Nouvelle règle d'échéance"
    list_display = [
        "code",
        "title",
        "timing",
        "severity",
        YesNoColumn("is_active", label="En service"),
    ]
    list_filter = ["timing", "severity", "is_active"]
    search_fields = ["code", "title"]


register_snippet(DeadlineRuleViewSet)


@hooks.register("after_create_snippet")
@hooks.register("after_edit_snippet")
@hooks.register("after_delete_snippet")
def recompute_calendars_after_rule_change(request, instances):
    """A changed rule changes learners' calendars: recompute them all."""
    if not isinstance(instances, list | tuple):
        instances = [instances]
    if any(isinstance(instance, DeadlineRule) for instance in instances):
        transaction.on_commit(lambda: deadlines_sweep.delay(SweepTrigger.RULE_CHANGE))


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.is_superuser


@hooks.register("register_admin_urls")
def register_operations_url():
    urls = [path("", OperationsView.as_view(), name="operations")]
    return [path("exploitation/", include((urls, "reminders_admin")))]


@hooks.register("register_admin_menu_item")
def register_operations_menu_item():
    return SuperuserMenuItem(
        "Rappels et plannings",
        reverse_lazy("reminders_admin:operations"),
        name="exploitation",
        icon_name="time",
        order=900,
    )
