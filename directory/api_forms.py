"""The JSON search's query string, checked parameter by parameter (messages in French).

Strict on purpose: a parameter given must be valid (an empty value too), a single-valued
parameter appears once, and an unknown parameter is refused, so that a typo
(`ouvert=true`) never silently widens a partner's results.
"""

import re

from django import forms

from territories.selectors import commune_get_by_code, commune_resolve

from . import standard

DEFAULT_RADIUS = 20
MIN_RADIUS, MAX_RADIUS = 1, 100
DEFAULT_LIMIT = 50
MIN_LIMIT, MAX_LIMIT = 1, 100
COMMUNE_MAX_LENGTH = 120
# Shown back in an error's key, cut short so a huge name does not come back whole.
NAME_SHOWN_MAX = 40

# ASCII digits only (Python's \d takes any script's digits), whole value.
INSEE_CODE_RE = re.compile(r"[0-9]{5}|2[AB][0-9]{3}")
DECIMAL_RE = re.compile(r"[0-9]+(\.[0-9]+)?")
# Bounded: int() refuses strings of thousands of digits.
INTEGER_RE = re.compile(r"[0-9]{1,9}")
TRUE, FALSE = "true", "false"

RADIUS_ERROR = (
    f"Le rayon doit être un nombre de kilomètres entre {MIN_RADIUS} et {MAX_RADIUS} "
    "(par exemple 20 ou 12.5)."
)
LIMIT_ERROR = f"La limite doit être un nombre entier entre {MIN_LIMIT} et {MAX_LIMIT}."
BOOLEAN_ERROR = "Valeur attendue : true ou false."
NUL_ERROR = "Le caractère nul (U+0000) n'est pas accepté."


def _choice_error(what: str, column: str) -> str:
    values = " ; ".join(standard.choices(column))
    return f"« %(value)s » n'est pas {what} du standard. Valeurs possibles : {values}."


class BooleanParameter(forms.Field):
    """`true` or `false`, nothing else; absent means false."""

    default_error_messages = {"invalid": BOOLEAN_ERROR}

    def to_python(self, value):
        if value is None:
            return False
        if value not in (TRUE, FALSE):
            raise forms.ValidationError(self.error_messages["invalid"], "invalid")
        return value == TRUE


class HelpPlaceApiSearchForm(forms.Form):
    """GET /api/v1/lieux/. Build it with the request's QueryDict."""

    commune = forms.CharField(
        required=False,
        strip=False,
        max_length=COMMUNE_MAX_LENGTH,
        error_messages={
            "max_length": f"{COMMUNE_MAX_LENGTH} caractères au maximum.",
            "null_characters_not_allowed": NUL_ERROR,
        },
    )
    code_insee = forms.CharField(
        required=False,
        strip=False,
        error_messages={"null_characters_not_allowed": NUL_ERROR},
    )
    rayon = forms.CharField(
        required=False,
        strip=False,
        error_messages={"null_characters_not_allowed": RADIUS_ERROR},
    )
    limite = forms.CharField(
        required=False,
        strip=False,
        error_messages={"null_characters_not_allowed": LIMIT_ERROR},
    )
    services = forms.MultipleChoiceField(
        required=False,
        choices=[(value, value) for value in standard.choices("services")],
        error_messages={"invalid_choice": _choice_error("un service", "services")},
    )
    publics = forms.MultipleChoiceField(
        required=False,
        choices=[
            (value, value)
            for value in standard.choices("publics_specifiquement_adresses")
        ],
        error_messages={
            "invalid_choice": _choice_error(
                "un public", "publics_specifiquement_adresses"
            )
        },
    )
    gratuit = BooleanParameter(required=False)
    ouvert_maintenant = BooleanParameter(required=False)
    ouvert_samedi = BooleanParameter(required=False)

    MULTIPLE = ("services", "publics")

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.commune_matches = []
        self.parameter_errors: dict[str, list[str]] = {}
        for name in data:
            if name not in self.fields:
                self.parameter_errors[_shown(name)] = [
                    "Paramètre inconnu. Paramètres possibles : "
                    + ", ".join(self.fields)
                    + "."
                ]
            elif name not in self.MULTIPLE and len(data.getlist(name)) > 1:
                self.parameter_errors[name] = [
                    "Ce paramètre ne doit figurer qu'une fois dans l'adresse."
                ]

    def _given(self, name: str) -> bool:
        return name in self.data

    def clean_code_insee(self) -> str:
        value = self.cleaned_data["code_insee"]
        if self._given("code_insee") and not INSEE_CODE_RE.fullmatch(value):
            raise forms.ValidationError(
                "Un code INSEE compte 5 caractères : 5 chiffres, ou 2A / 2B suivi de "
                "3 chiffres pour la Corse (par exemple 28280)."
            )
        return value

    def clean_rayon(self) -> float:
        value = self.cleaned_data["rayon"]
        if not self._given("rayon"):
            return float(DEFAULT_RADIUS)
        if not DECIMAL_RE.fullmatch(value):
            raise forms.ValidationError(RADIUS_ERROR)
        radius = float(value)
        if not MIN_RADIUS <= radius <= MAX_RADIUS:
            raise forms.ValidationError(RADIUS_ERROR)
        return radius

    def clean_limite(self) -> int:
        value = self.cleaned_data["limite"]
        if not self._given("limite"):
            return DEFAULT_LIMIT
        if not INTEGER_RE.fullmatch(value) or not (
            MIN_LIMIT <= int(value) <= MAX_LIMIT
        ):
            raise forms.ValidationError(LIMIT_ERROR)
        return int(value)

    def clean(self):
        cleaned = super().clean()
        if "commune" not in cleaned or "code_insee" not in cleaned:
            return cleaned  # already refused, one message is enough
        query = cleaned["commune"].strip()
        code = cleaned["code_insee"]
        if self._given("commune") and self._given("code_insee"):
            self.add_error(
                "commune",
                "Indiquez soit commune, soit code_insee, pas les deux.",
            )
        elif self._given("code_insee"):
            cleaned["origin"] = commune_get_by_code(insee_code=code)
            if cleaned["origin"] is None:
                self.add_error(
                    "code_insee", f"Aucune commune connue n'a le code INSEE {code}."
                )
        elif not query:
            self.add_error(
                "commune",
                "Indiquez une commune : son nom ou son code postal "
                "(ou son code INSEE avec le paramètre code_insee).",
            )
        else:
            commune, matches = commune_resolve(query=query)
            cleaned["origin"] = commune
            if commune is None and not matches:
                self.add_error(
                    "commune",
                    f"Aucune commune connue ne correspond à « {query} ». Vérifiez "
                    "l'orthographe ou indiquez le code postal (pour un code INSEE, "
                    "utilisez le paramètre code_insee).",
                )
            elif commune is None:
                self.commune_matches = matches
                self.add_error(
                    "commune",
                    f"Plusieurs communes correspondent à « {query} » : précisez avec "
                    "le paramètre code_insee (voir communes_possibles).",
                )
        return cleaned

    def all_errors(self) -> dict[str, list[str]]:
        """Each refused parameter with its messages, in French."""
        errors = dict(self.parameter_errors)
        for name, messages in self.errors.items():
            errors.setdefault(name, []).extend(messages)
        return errors

    def is_valid(self) -> bool:
        return super().is_valid() and not self.parameter_errors

    def search_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "radius_km": data["rayon"],
            "services": data["services"],
            "publics": data["publics"],
            "free_only": data["gratuit"],
            "open_now": data["ouvert_maintenant"],
            "open_saturday": data["ouvert_samedi"],
        }


def _shown(name: str) -> str:
    if len(name) <= NAME_SHOWN_MAX:
        return name
    return name[: NAME_SHOWN_MAX - 1] + "…"
