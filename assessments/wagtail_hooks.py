from wagtail.admin.panels import ObjectList
from wagtail.snippets.models import register_snippet

from core.cms import NamedSnippetViewSet, NotePanel, YesNoColumn
from curriculum.presenters import question_version_note

from .forms import QuestionAdminForm
from .models import Question


class QuestionViewSet(NamedSnippetViewSet):
    model = Question
    icon = "help"
    menu_label = "Questions"
    menu_order = 300
    add_to_admin_menu = True
    add_item_label = "Ajouter une question"
    new_item_label = "Nouvelle question"
    list_display = [
        "competency",
        "kind",
        "prompt",
        YesNoColumn("is_active", label="En service"),
    ]
    list_filter = ["kind", "competency", "is_active"]
    search_fields = ["prompt"]
    edit_handler = ObjectList(
        [
            NotePanel(question_version_note, heading="Version du référentiel"),
            *Question.panels,
        ],
        base_form_class=QuestionAdminForm,
    )


register_snippet(QuestionViewSet)
