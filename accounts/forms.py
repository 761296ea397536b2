from django import forms
from django.utils import timezone

from territories.forms import CommuneQueryMixin

from .models import Role
from .services import learner_profile_problems


class LearnerProfileForm(CommuneQueryMixin, forms.Form):
    """First name, birth date and commune: at onboarding, and when corrected."""

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
        widget=forms.DateInput(
            attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"
        ),
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
    family_msa = forms.TypedChoiceField(
        label="Ta famille dépend-elle de la MSA ? (facultatif)",
        help_text="La MSA (Mutualité sociale agricole) remplace la CPAM et la CAF pour "
        "beaucoup de familles qui travaillent dans l'agriculture. Si oui, tu verras "
        "ses démarches et où la joindre.",
        choices=[
            ("", "Je ne sais pas"),
            ("oui", "Oui, la MSA"),
            ("non", "Non, la CPAM et la CAF"),
        ],
        coerce=lambda answer: answer == "oui",
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "Choisis une des réponses proposées."},
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("commune_query"):
            self.resolve_commune(cleaned, "commune_query")
        # The age rules too, whatever else is wrong: every error in one round.
        problems = learner_profile_problems(
            first_name=cleaned.get("first_name"),
            birth_date=cleaned.get("birth_date"),
            today=timezone.localdate(),
        )
        for field, message in problems.items():
            self.add_error(field, message)
        return cleaned


class OnboardingForm(LearnerProfileForm):
    accept_terms = forms.BooleanField(
        label="J'ai lu et j'accepte les conditions d'utilisation et la politique de "
        "confidentialité.",
        error_messages={
            "required": "Pour continuer, tu dois accepter les conditions d'utilisation."
        },
    )


DELETION_WORD = "supprimer"


class AccountDeleteForm(forms.Form):
    confirmation = forms.CharField(
        label=f"Pour confirmer, écris le mot « {DELETION_WORD} »",
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        error_messages={
            "required": f"Écris le mot « {DELETION_WORD} » pour confirmer.",
        },
    )

    def clean_confirmation(self):
        word = self.cleaned_data["confirmation"].strip().lower()
        if word != DELETION_WORD:
            raise forms.ValidationError(
                f"Écris exactement le mot « {DELETION_WORD} » pour confirmer : "
                "ton compte n'a pas été supprimé."
            )
        return word


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


class InformerPlacesForm(forms.Form):
    places = forms.ModelMultipleChoiceField(
        label="Lieux d'accueil",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages=dict.fromkeys(
            ("invalid_choice", "invalid_pk_value", "invalid_list"),
            "Choisissez des lieux de la liste (ceux du territoire).",
        ),
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["places"].queryset = places
