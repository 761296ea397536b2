from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from territories.forms import CommuneQueryMixin

from .models import VISIT_MAX_MINUTES, AgeBand, QuestionKind, VisitPurpose


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


class PassportRedeemForm(forms.Form):
    code = forms.CharField(
        label="Code du passeport",
        help_text="8 caractères, affichés sur le téléphone du ou de la jeune "
        "(les espaces ne comptent pas).",
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "code-input",
            }
        ),
        error_messages={"required": "Tapez le code affiché par le ou la jeune."},
    )
    place = forms.ModelChoiceField(
        label="Lieu où vous l'accueillez",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez un de vos lieux d'accueil."},
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places


class ValidationForm(forms.Form):
    competency = forms.IntegerField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choisissez la compétence à valider.",
            "invalid": "Choisissez la compétence à valider.",
        },
    )
    note = forms.CharField(
        label="Votre note",
        help_text="Ce que vous avez vu le ou la jeune faire, en une ou deux phrases.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Écrivez une courte note : ce que vous avez vu le ou la "
            "jeune faire.",
            "max_length": "La note tient en 500 caractères au plus.",
        },
    )


class WithdrawalForm(forms.Form):
    reason = forms.CharField(
        label="Raison du retrait",
        help_text="Obligatoire : elle reste au dossier, avec votre nom et la date.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Écrivez la raison du retrait : elle reste au dossier.",
            "max_length": "La raison tient en 500 caractères au plus.",
        },
    )


class VisitForm(CommuneQueryMixin, forms.Form):
    place = forms.ModelChoiceField(
        label="Lieu",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Choisissez un de vos lieux d'accueil."},
    )
    purpose = forms.ChoiceField(
        label="Motif",
        choices=VisitPurpose.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez le motif de la visite.",
            "invalid_choice": "Choisissez le motif de la visite dans la liste.",
        },
    )
    commune_query = forms.CharField(
        label="Commune de la personne (facultatif)",
        help_text="Son nom ou son code postal.",
        max_length=120,
        required=False,
        widget=forms.TextInput(
            attrs={"list": "communes-suggestions", "autocomplete": "off"}
        ),
    )
    commune = forms.CharField(required=False, widget=forms.HiddenInput)
    age_band = forms.ChoiceField(
        label="Tranche d'âge",
        choices=AgeBand.choices,
        initial=AgeBand.UNKNOWN,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choisissez une tranche d'âge de la liste."},
    )
    minutes = forms.IntegerField(
        label="Durée (minutes)",
        min_value=1,
        max_value=VISIT_MAX_MINUTES,
        initial=15,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Indiquez la durée en minutes.",
            "invalid": "La durée s'écrit en minutes, par exemple 15.",
            "min_value": f"La durée va de 1 à {VISIT_MAX_MINUTES} minutes.",
            "max_value": f"La durée va de 1 à {VISIT_MAX_MINUTES} minutes.",
        },
    )
    printed = forms.BooleanField(label="Impression de documents", required=False)

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("commune_query"):
            self.resolve_commune(cleaned, "commune_query")
        else:
            cleaned["commune"] = None
        return cleaned
