"""The CMS names the project's things in good French. Wagtail builds its labels
from a model's verbose_name (« Ajouter un(e) question », « Nouvel(le) : Question »,
« Ajouter un(e) réponses proposées », « True »): the project's viewsets, inline
panels and listings say them whole instead."""

from wagtail.admin.panels import InlinePanel, Panel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet


class NamedCreateView(CreateView):
    """The add page, titled « Nouvelle question »."""

    new_item_label = ""

    def get_page_title(self):
        return self.new_item_label

    def get_page_subtitle(self):
        return ""

    def get_breadcrumbs_items(self):
        *items, new = super().get_breadcrumbs_items()
        return [*items, {**new, "label": self.new_item_label}]


class NamedSnippetViewSet(SnippetViewSet):
    """A snippet viewset that says « Ajouter une question », « Nouvelle question »."""

    add_item_label = ""  # « Ajouter une question »
    new_item_label = ""  # « Nouvelle question »
    add_view_class = NamedCreateView

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(
            add_item_label=self.add_item_label, **kwargs
        )

    def get_add_view_kwargs(self, **kwargs):
        return super().get_add_view_kwargs(new_item_label=self.new_item_label, **kwargs)


class NamedInlinePanel(InlinePanel):
    """An inline panel whose button says « Ajouter une réponse »."""

    def __init__(self, *args, add_label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.add_label = add_label

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "add_label": self.add_label}

    class BoundPanel(InlinePanel.BoundPanel):
        template_name = "core/panels/named_inline_panel.html"


class YesNoColumn(Column):
    """A yes/no field in a listing: « oui » or « non », not « True »."""

    def get_value(self, instance):
        return "oui" if super().get_value(instance) else "non"


class NotePanel(Panel):
    """A short note computed from the object being edited (None when adding)."""

    def __init__(self, note, **kwargs):
        super().__init__(**kwargs)
        self.note = note

    def clone_kwargs(self):
        return {**super().clone_kwargs(), "note": self.note}

    class BoundPanel(Panel.BoundPanel):
        template_name = "core/panels/note_panel.html"

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            context["note"] = self.panel.note(
                self.instance if self.instance.pk else None
            )
            return context
