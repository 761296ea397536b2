from django import forms

from .models import STANDARD_DAYS_BEFORE, Concern, EventKind

DATE_INPUT = {"type": "date"}
EVENT_HELP = {
    EventKind.MOVING_IN: "Pour l'assurance habitation et l'aide au logement.",
    EventKind.ID_CARD_EXPIRY: "Écrite au dos de ta carte. Rappel 3 mois avant.",
    EventKind.C2S_END: "Sur ton attestation de droits. Rappel 2 mois avant.",
    EventKind.JDC_CONVOCATION: "Tu as 15 jours pour demander une autre date.",
    EventKind.PRIME_ACTIVITE: "La date affichée dans ton compte CAF.",
}


class EventDatesForm(forms.Form):
    """One optional date per kind of event; an empty field clears the date."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind, label in EventKind.choices:
            self.fields[kind] = forms.DateField(
                label=label,
                required=False,
                help_text=EVENT_HELP[kind],
                input_formats=["%Y-%m-%d", "%d/%m/%Y"],
                widget=forms.DateInput(attrs=DATE_INPUT, format="%Y-%m-%d"),
                error_messages={"invalid": "Écris la date sous la forme jj/mm/aaaa."},
            )


class PreferencesForm(forms.Form):
    enabled = forms.BooleanField(
        label="Recevoir mes rappels par e-mail", required=False
    )
    remind_on_opening = forms.BooleanField(
        label="Le jour où une démarche ouvre", required=False
    )
    days_before = forms.TypedMultipleChoiceField(
        label="Avant la date limite",
        choices=[
            (d, f"{d} jour{'s' if d > 1 else ''} avant") for d in STANDARD_DAYS_BEFORE
        ],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choisis parmi les rappels proposés."},
    )
    concerns = forms.MultipleChoiceField(
        label="Ce qui te concerne (pour recevoir les bonnes dates)",
        choices=Concern.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choisis parmi les situations proposées."},
    )
