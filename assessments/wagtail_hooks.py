from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .forms import QuestionAdminForm
from .models import Question


class QuestionViewSet(SnippetViewSet):
    model = Question
    icon = "help"
    menu_label = "Questions"
    menu_order = 300
    add_to_admin_menu = True
    list_display = ["competency", "kind", "prompt", "is_active"]
    list_filter = ["kind", "competency", "is_active"]
    search_fields = ["prompt"]
    edit_handler = ObjectList(Question.panels, base_form_class=QuestionAdminForm)


register_snippet(QuestionViewSet)
