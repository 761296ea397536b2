from django import forms

from territories.forms import CommuneQueryMixin

from .selectors import ADMINISTRATIVE_HELP

RADIUS_CHOICES = [(5, "5 km"), (10, "10 km"), (20, "20 km"), (30, "30 km")]
DEFAULT_RADIUS = 20
YOUTH = "Jeunes"


class HelpPlaceSearchForm(CommuneQueryMixin, forms.Form):
    """The search page's form (GET). The commune may come from the learner's profile."""

    q = forms.CharField(
        label="Commune",
        help_text="Son nom ou son code postal, par exemple « Nogent-le-Rotrou » "
        "ou « 28400 ».",
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    commune = forms.CharField(required=False, widget=forms.HiddenInput)
    rayon = forms.TypedChoiceField(
        label="Distance maximale",
        choices=RADIUS_CHOICES,
        coerce=int,
        initial=DEFAULT_RADIUS,
        required=False,
        empty_value=DEFAULT_RADIUS,
        error_messages={
            "invalid_choice": "Choisis une distance dans la liste : 5, 10, 20 ou 30 km."
        },
    )
    demarches = forms.BooleanField(label=ADMINISTRATIVE_HELP, required=False)
    jeunes = forms.BooleanField(label="Accueil spécifique des jeunes", required=False)
    gratuit = forms.BooleanField(label="Gratuit", required=False)
    ouvert = forms.BooleanField(label="Ouvert maintenant", required=False)
    samedi = forms.BooleanField(label="Ouvert le samedi", required=False)
    # Set by the link under the results, not a filter of its own.
    horaires_inconnus = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, default_commune=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.default_commune = default_commune

    def clean(self):
        cleaned = super().clean()
        if (cleaned.get("q") or "").strip():
            self.resolve_commune(cleaned, "q")
        else:
            cleaned["commune"] = self.default_commune
            if self.default_commune is None:
                self.add_error("q", "Indique une commune : son nom ou son code postal.")
        return cleaned

    @property
    def needs_choice_only(self) -> bool:
        """The only problem is an ambiguous commune: a question, not bad input."""
        return bool(self.commune_matches) and list(self.errors) == ["q"]

    def search_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "radius_km": data["rayon"],
            "services": (ADMINISTRATIVE_HELP,) if data["demarches"] else (),
            "publics": (YOUTH,) if data["jeunes"] else (),
            "free_only": data["gratuit"],
            "open_now": data["ouvert"],
            "open_saturday": data["samedi"],
            "with_unknown_hours": data["horaires_inconnus"],
        }
