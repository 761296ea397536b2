from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

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


register_snippet(QuestionViewSet)
