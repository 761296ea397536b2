from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from accounts.models import TermsVersion


class TermsVersionViewSet(SnippetViewSet):
    model = TermsVersion
    icon = "doc-full"
    menu_label = "Conditions d'utilisation"
    list_display = ["version", "effective_from"]


register_snippet(TermsVersionViewSet)
