from wagtail.admin.forms import WagtailAdminModelForm

from .models import QuestionKind


class QuestionAdminForm(WagtailAdminModelForm):
    """Refuse a question that could not be graded sensibly."""

    def clean(self):
        cleaned = super().clean()
        formset = self.formsets.get("choices")
        if formset is None or not formset.is_valid():
            return cleaned
        choices = [
            form.cleaned_data
            for form in formset.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        correct = sum(1 for choice in choices if choice.get("is_correct"))
        kind = cleaned.get("kind")
        if len(choices) < 2:
            self.add_error(None, "Une question a besoin d'au moins deux réponses.")
        elif kind in (QuestionKind.SINGLE, QuestionKind.TRUE_FALSE) and correct != 1:
            self.add_error(None, "Il faut exactement une bonne réponse pour ce type.")
        elif kind == QuestionKind.MULTIPLE and not 1 <= correct < len(choices):
            self.add_error(
                None, "Il faut au moins une bonne et au moins une mauvaise réponse."
            )
        elif kind == QuestionKind.TRUE_FALSE and len(choices) != 2:
            self.add_error(None, "Un vrai ou faux a exactement deux réponses.")
        return cleaned
