"""The national standard for digital-mediation places (La MedNum / ANCT), v1.0.2.

Every rule comes from `data/schema.json`, the standard's Frictionless Table Schema:
required columns, types, patterns (the closed value lists are regular expressions
whose values are separated by `|`), enums and bounds. Nothing here retypes a list.
Three rules of ours come on top, for every way a place comes in (import, CMS form):
no free-text cell that a spreadsheet would run as a formula, web addresses in
http(s) only, real e-mail addresses.
"""

import functools
import json
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from opening_hours import OpeningHours, ParserError

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "schema.json"
SEPARATOR = "|"
HOURS_COLUMN = "horaires"
HOURS_EXAMPLE = "Mo-Fr 09:00-12:00"
TIMEZONE = ZoneInfo("Europe/Paris")
COUNTRY = "FR"

# Columns stored under another model field name: `id` is Django's primary key and
# `commune` is the foreign key to territories.Commune. Every other column keeps its
# name in the standard.
RENAMED_COLUMNS = {"id": "standard_id", "commune": "commune_nom"}
# Multi-valued columns without a closed list: the schema says so only in their
# descriptions ("séparés par un `|`").
OPEN_LISTS = ("typologie", "courriels", "site_web")
# Columns whose values the schema describes as URLs or e-mail addresses (in words
# only: it gives them no pattern). Served to partners' sites and shown as links.
URL_COLUMNS = ("site_web", "prise_rdv", "fiche_acces_libre")
EMAIL_COLUMNS = ("courriels",)
VALUE_FORMATS = {
    **dict.fromkeys(URL_COLUMNS, "url"),
    **dict.fromkeys(EMAIL_COLUMNS, "email"),
}

# What makes a spreadsheet read a cell as a formula (OWASP, "CSV injection"):
# `=HYPERLINK(…)`, `@SUM(…)`, `+cmd|…`, `-2+3`, or one of these after a tab or a
# carriage return.
FORMULA_STARTS = {
    "=": "commence par « = »",
    "+": "commence par « + »",
    "-": "commence par « - »",
    "@": "commence par « @ »",
    "\t": "est précédé d'une tabulation",
    "\r": "est précédé d'un retour chariot",
}
SHOWN_CHARACTERS = 60
WEB_URL = URLValidator(schemes=["http", "https"])

# A closed list: `(?:(?:^|\|)(Value one|Value two))+$`.
CLOSED_LIST_RE = re.compile(r"^\(\?:\(\?:\^\|\\\|\)\((?P<values>.*)\)\)\+\$$")
UNESCAPED_BAR_RE = re.compile(r"(?<!\\)\|")
ESCAPE_RE = re.compile(r"\\(.)")
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
INTEGER_RE = re.compile(r"^[+-]?\d+$")
NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Column:
    """One column of the standard, with the constraints its schema gives."""

    name: str
    title: str
    type: str
    example: str
    required: bool = False
    unique: bool = False
    pattern: re.Pattern | None = None
    choices: tuple[str, ...] = ()
    multiple: bool = False
    enum: tuple[Any, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None
    format: str = ""  # "url" or "email": each value must be one

    @property
    def field(self) -> str:
        """The HelpPlace field that stores this column."""
        return RENAMED_COLUMNS.get(self.name, self.name)

    @property
    def free_text(self) -> bool:
        """Any text goes: no type, pattern nor closed list keeps formulas out."""
        return self.type == "string" and self.pattern is None

    def check(self, raw: str) -> tuple[Any, str | None]:
        """The stored value of a cell, and the reason (in French) it is refused."""
        if self.free_text:
            for part in self._parts(raw):
                if part.strip() and (reason := formula_error(part)):
                    return None, reason
        value = raw.strip()
        if self.multiple:
            value = SEPARATOR.join(part.strip() for part in value.split(SEPARATOR))
        if not value:
            if self.required:
                return None, "champ obligatoire vide."
            return self.empty, None
        reason = self._type_error(value) or self._constraint_error(value)
        if reason:
            return None, reason
        return self._python(value), None

    @property
    def empty(self) -> Any:
        if self.multiple:
            return []
        return "" if self.type == "string" else None

    def _parts(self, value: str) -> list[str]:
        return value.split(SEPARATOR) if self.multiple else [value]

    def _value_error(self, value: str) -> str | None:
        """Why one value of a URL or e-mail column is not one."""
        if self.format == "url" and not is_web_url(value):
            example = self.example.split(SEPARATOR)[0]
            return (
                f"« {value} » n'est pas une adresse web : elle commence par https:// "
                f"ou http:// (exemple : {example})."
            )
        if self.format == "email" and not is_email(value):
            example = self.example.split(SEPARATOR)[0]
            return (
                f"« {value} » n'est pas une adresse électronique valide "
                f"(exemple : {example})."
            )
        return None

    def served(self, value: Any) -> Any:
        """A stored value as shown to others: a link or an address that breaks its
        column's rule (a row stored before the rule existed) is left out."""
        if not self.format:
            return value
        if self.multiple:
            return [part for part in value or [] if not self._value_error(part)]
        return "" if value and self._value_error(value) else value

    def _python(self, value: str) -> Any:
        if self.type == "number":
            return float(value)
        if self.type == "integer":
            return int(value)
        if self.type == "date":
            return date.fromisoformat(value)
        if self.multiple:
            return value.split(SEPARATOR)
        return value

    def _type_error(self, value: str) -> str | None:
        if self.type == "date":
            try:
                if DATE_RE.match(value):
                    date.fromisoformat(value)
                    return None
            except ValueError:
                pass
            return f"« {value} » n'est pas une date au format AAAA-MM-JJ."
        if self.type == "integer" and not INTEGER_RE.match(value):
            return f"« {value} » n'est pas un nombre entier."
        if self.type == "number" and (
            not NUMBER_RE.match(value) or not math.isfinite(float(value))
        ):
            hint = " (séparateur décimal : le point)" if "," in value else ""
            return f"« {value} » n'est pas un nombre{hint}."
        return None

    def _constraint_error(self, value: str) -> str | None:
        if self.pattern is not None and not self.pattern.match(value):
            if self.choices:
                unknown = [
                    part
                    for part in value.split(SEPARATOR)
                    if not self.pattern.match(part)
                ]
                return (
                    " ; ".join(f"« {part} »" for part in unknown)
                    + " : valeur hors de la liste du standard (valeurs possibles : "
                    + " ; ".join(self.choices)
                    + ")."
                )
            return f"« {value} » n'a pas le format attendu (exemple : {self.example})."
        if self.enum and self._python(value) not in self.enum:
            allowed = " ; ".join(str(item) for item in self.enum)
            return f"« {value} » n'est pas une valeur permise ({allowed})."
        if self.min_length is not None and len(value) < self.min_length:
            return f"{len(value)} caractères, {self.min_length} au minimum."
        if self.max_length is not None and len(value) > self.max_length:
            return f"{len(value)} caractères, {self.max_length} au maximum."
        if self.type in ("number", "integer"):
            number = self._python(value)
            if self.minimum is not None and number < self.minimum:
                return f"« {value} » est inférieur au minimum ({self.minimum})."
            if self.maximum is not None and number > self.maximum:
                return f"« {value} » est supérieur au maximum ({self.maximum})."
        if self.name == HOURS_COLUMN:
            return opening_hours_error(value)
        if self.format:
            reasons = [self._value_error(part) for part in self._parts(value)]
            return " ".join(reason for reason in reasons if reason) or None
        return None


def formula_error(text: str) -> str | None:
    """Why a spreadsheet would run this text as a formula, in French; None if not.
    Shared by the checks of what comes in and by the export of what was stored."""
    shown = text.strip()
    for start in (shown, text.lstrip(" ")):
        if start[:1] in FORMULA_STARTS:
            if len(shown) > SHOWN_CHARACTERS:
                shown = shown[:SHOWN_CHARACTERS] + "…"
            return (
                f"« {shown} » {FORMULA_STARTS[start[0]]}, qu'un tableur prendrait "
                "pour le début d'une formule et exécuterait : retirez ce caractère du "
                "début de la cellule."
            )
    return None


def is_web_url(value: str) -> bool:
    """An http(s) address, the only kind that becomes a link (no `javascript:`)."""
    try:
        WEB_URL(value)
    except ValidationError:
        return False
    return True


def is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _closed_list(pattern: str) -> tuple[str, ...]:
    """The values of a closed list, read from its regular expression."""
    match = CLOSED_LIST_RE.match(pattern)
    if match is None:
        return ()
    return tuple(
        ESCAPE_RE.sub(r"\1", value) for value in UNESCAPED_BAR_RE.split(match["values"])
    )


def _column(spec: dict) -> Column:
    constraints = spec.get("constraints", {})
    pattern = constraints.get("pattern")
    choices = _closed_list(pattern) if pattern else ()
    number = float if spec["type"] == "number" else int
    return Column(
        name=spec["name"],
        title=spec.get("title", spec["name"]),
        type=spec["type"],
        example=str(spec.get("example", "")),
        required=bool(constraints.get("required", False)),
        unique=bool(constraints.get("unique", False)),
        # Frictionless anchors every pattern at both ends.
        pattern=re.compile(f"^{pattern}$") if pattern else None,
        choices=choices,
        multiple=bool(choices) or spec["name"] in OPEN_LISTS,
        enum=tuple(constraints.get("enum", ())),
        min_length=constraints.get("minLength"),
        max_length=constraints.get("maxLength"),
        minimum=number(constraints["minimum"]) if "minimum" in constraints else None,
        maximum=number(constraints["maximum"]) if "maximum" in constraints else None,
        format=VALUE_FORMATS.get(spec["name"], ""),
    )


@functools.cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def columns() -> tuple[Column, ...]:
    """The standard's columns, in the schema's order."""
    return tuple(_column(spec) for spec in schema()["fields"])


def column(name: str) -> Column:
    return next(item for item in columns() if item.name == name)


def column_names() -> tuple[str, ...]:
    return tuple(item.name for item in columns())


def choices(name: str) -> tuple[str, ...]:
    """The closed list of a column (e.g. `services`), for forms and filters."""
    return column(name).choices


def opening_hours_parse(value: str) -> OpeningHours:
    """Opening hours in OpenStreetMap syntax, with French public holidays (`PH`)."""
    return OpeningHours(
        value,
        timezone=TIMEZONE,
        country=COUNTRY,
        auto_country=False,
        auto_timezone=False,
    )


def opening_hours_error(value: str) -> str | None:
    try:
        opening_hours_parse(value)
    except ParserError:
        return (
            f"« {value} » n'est pas au format OpenStreetMap "
            f"(exemple : {HOURS_EXAMPLE})."
        )
    return None
