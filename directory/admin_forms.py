"""Forms of the directory's CMS pages: a help place, and a CSV to import.

A place edited by hand obeys the same rules as a line of an imported file: every
value goes through the standard's check (`standard.Column.check`), written as the
CSV would write it.
"""

import re

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.text import capfirst
from wagtail.admin.forms import WagtailAdminModelForm

from territories.models import EPCI, Commune

from . import standard
from .access import managed_epci_ids, managed_epci_list
from .export import cell
from .models import HelpPlace
from .services import LATITUDE_RANGE, LONGITUDE_RANGE, postcode_check

MAX_IMPORT_BYTES = 2_000_000
ZIP_MAGIC = b"PK\x03\x04"  # .xlsx and .ods files are zip archives
LIST_SPLIT_RE = re.compile(r"[\r\n|]+")

HELP_TEXTS = {
    "standard_id": "Identifiant unique du lieu dans l'annuaire, repris tel quel à "
    "l'export (colonne « id »).",
    "pivot": "SIRET de la structure (14 chiffres), ou RNA pour une association sans "
    "SIRET.",
    "code_postal": "5 chiffres : un code postal de la commune, ou un code CEDEX "
    "du même département.",
    "latitude": "Laissez latitude et longitude vides pour placer le lieu à la mairie "
    "de sa commune : ces coordonnées approchées ne sont pas exportées.",
    "telephone": "Au format international, sans espace : +33237524141.",
    "horaires": "Syntaxe OpenStreetMap, par exemple « Mo-Fr 09:00-12:00,14:00-18:00; "
    "Sa 09:00-12:00; PH off » (Mo lundi, Tu mardi, We mercredi, Th jeudi, "
    "Fr vendredi, Sa samedi, Su dimanche, PH jours fériés).",
    "presentation_resume": "280 caractères au plus.",
    "date_maj": "Date de la dernière vérification de ces informations (AAAA-MM-JJ).",
    "courriels": "Une adresse électronique par ligne.",
    "site_web": "Une adresse par ligne, commençant par https:// (ou http://).",
    "prise_rdv": "Adresse web commençant par https:// (ou http://).",
    "fiche_acces_libre": "Adresse web de la fiche sur acceslibre.beta.gouv.fr.",
}
OPEN_LIST_HELP = "Une valeur par ligne."


class ValueListField(forms.CharField):
    """A multi-valued column without a closed list: one value a line (or `|`)."""

    widget = forms.Textarea(attrs={"rows": 2})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        text = super().to_python(value)
        return [part.strip() for part in LIST_SPLIT_RE.split(text) if part.strip()]


class ChoiceListField(forms.MultipleChoiceField):
    """A closed list of the schema, as checkboxes; kept in the schema's order."""

    widget = forms.CheckboxSelectMultiple

    def clean(self, value):
        chosen = set(super().clean(value))
        return [value for value, _ in self.choices if value in chosen]


class HelpPlaceAdminForm(WagtailAdminModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.allowed_epcis = managed_epci_ids(self.for_user)
        for column in standard.columns():
            name = column.field
            if name not in self.fields:
                continue
            label = capfirst(HelpPlace._meta.get_field(name).verbose_name)
            if column.choices:
                self.fields[name] = ChoiceListField(
                    label=label,
                    choices=[(value, value) for value in column.choices],
                    required=False,
                )
            elif column.multiple:
                self.fields[name] = ValueListField(
                    label=label, required=False, help_text=OPEN_LIST_HELP
                )
            if name in HELP_TEXTS:
                self.fields[name].help_text = HELP_TEXTS[name]
        self._limit_territory()
        if self.instance.pk is None:
            self.initial.setdefault("date_maj", timezone.localdate())
        if self.instance.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE:
            # The town hall's coordinates are not the place's: shown as absent.
            self.initial["latitude"] = self.initial["longitude"] = None

    def _limit_territory(self):
        allowed = self.allowed_epcis
        if "commune" in self.fields:
            field = self.fields["commune"]
            communes = Commune.objects.order_by("name")
            if allowed is not None:
                # The communes of the user's EPCIs, and the place's own.
                communes = communes.filter(
                    Q(epci__in=allowed) | Q(pk=self.instance.commune_id)
                )
            field.queryset = communes
            field.required = True
            field.help_text = "Le nom et le code INSEE de la commune en sont tirés."
        if "epci" in self.fields:
            field = self.fields["epci"]
            field.queryset = managed_epci_list(self.for_user)
            if allowed is None:
                field.empty_label = "Celui de la commune"
            else:
                field.required = True
                if len(allowed) == 1:
                    field.empty_label = None
            field.help_text = "La communauté de communes qui tient ce lieu à jour."

    def clean(self):
        cleaned = super().clean()
        for column in standard.columns():
            name = column.field
            if name not in cleaned or self.has_error(name):
                continue
            value, reason = column.check(cell(column, cleaned[name]))
            if reason:
                self.add_error(name, reason)
            else:
                cleaned[name] = value
        self._clean_coordinates(cleaned)
        commune = cleaned.get("commune")
        if commune is not None:
            self._clean_commune(cleaned, commune)
        return cleaned

    def _clean_coordinates(self, cleaned):
        latitude, longitude = cleaned.get("latitude"), cleaned.get("longitude")
        if self.has_error("latitude") or self.has_error("longitude"):
            return
        if (latitude is None) != (longitude is None):
            self.add_error("latitude", "latitude et longitude vont ensemble.")
        elif latitude is not None:
            if not LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]:
                self.add_error("latitude", f"« {latitude} » hors de -90 à 90.")
            if not LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]:
                self.add_error("longitude", f"« {longitude} » hors de -180 à 180.")

    def _clean_commune(self, cleaned, commune: Commune):
        postcode = cleaned.get("code_postal")
        if postcode and (error := postcode_check(postcode, commune).error):
            self.add_error("code_postal", error)
        if "epci" in self.fields and not self.has_error("epci"):
            managing = cleaned.get("epci") or commune.epci
            allowed = self.allowed_epcis
            if allowed is not None and (managing is None or managing.pk not in allowed):
                self.add_error("epci", "Vous ne gérez pas les lieux de cet EPCI.")
            cleaned["epci"] = managing
        self.instance.commune_nom = commune.name
        self.instance.code_insee = commune.insee_code
        if cleaned.get("latitude") is None and cleaned.get("longitude") is None:
            cleaned["latitude"], cleaned["longitude"] = (
                commune.latitude,
                commune.longitude,
            )
            self.instance.coordinates_source = HelpPlace.CoordinatesSource.COMMUNE
        else:
            self.instance.coordinates_source = HelpPlace.CoordinatesSource.PLACE


class HelpPlaceImportForm(forms.Form):
    fichier = forms.FileField(
        label="Fichier CSV",
        help_text="Au standard national des lieux de médiation numérique (v1.0.2) : "
        "séparateur virgule, encodage UTF-8, 2 Mo au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    epci = forms.ModelChoiceField(
        label="EPCI gestionnaire des lieux",
        queryset=EPCI.objects.none(),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = managed_epci_ids(user)
        field = self.fields["epci"]
        field.queryset = managed_epci_list(user)
        field.help_text = (
            "Seules les lignes des communes de cet EPCI sont importées ; les autres "
            "sont rejetées."
        )
        if allowed is None:
            field.required = False
            field.empty_label = "Celui de la commune de chaque lieu"
            field.help_text += (
                " Sans choix, toutes les lignes, chacune gérée par l'EPCI de sa "
                "commune."
            )
        elif len(allowed) == 1:
            field.empty_label = None

    def clean_fichier(self) -> bytes:
        upload = self.cleaned_data["fichier"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                "Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers."
            )
        data = upload.read()
        if data.startswith(ZIP_MAGIC):
            raise forms.ValidationError(
                "Ce fichier est un classeur (Excel, LibreOffice) : enregistrez-le au "
                "format « CSV UTF-8 (séparateur virgule) », puis envoyez ce fichier."
            )
        return data
