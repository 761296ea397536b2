from django import forms

from territories.forms import CommuneQueryMixin

from .models import Role


class OnboardingForm(CommuneQueryMixin, forms.Form):
    first_name = forms.CharField(
        label="Ton prénom",
        max_length=60,
        widget=forms.TextInput(attrs={"autocomplete": "given-name"}),
        error_messages={"required": "Indique ton prénom."},
    )
    birth_date = forms.DateField(
        label="Ta date de naissance",
        help_text="Format : jj/mm/aaaa.",
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={
            "invalid": "Écris ta date de naissance sous la forme jj/mm/aaaa.",
            "required": "Indique ta date de naissance.",
        },
    )
    commune_query = forms.CharField(
        label="Ta commune de résidence",
        help_text="Son nom ou son code postal, par exemple « Nogent-le-Rotrou » "
        "ou « 28400 ».",
        max_length=120,
        widget=forms.TextInput(
            attrs={"list": "communes-suggestions", "autocomplete": "off"}
        ),
        error_messages={"required": "Indique ta commune de résidence."},
    )
    commune = forms.CharField(required=False, widget=forms.HiddenInput)
    accept_terms = forms.BooleanField(
        label="J'ai lu et j'accepte les conditions d'utilisation et la politique de "
        "confidentialité.",
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("commune_query"):
            self.resolve_commune(cleaned, "commune_query")
        return cleaned


class RoleInvitationForm(forms.Form):
    email = forms.EmailField(
        label="Adresse e-mail professionnelle de la personne",
        error_messages={"invalid": "Cette adresse e-mail n'est pas valide."},
    )
    role = forms.ChoiceField(label="Rôle", choices=Role.choices)
    epci = forms.TypedChoiceField(label="Territoire", coerce=int)

    def __init__(self, *args, epcis, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["epci"].choices = [(e.pk, e.name) for e in epcis]
