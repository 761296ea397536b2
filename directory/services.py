import csv
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core.formatting import quantity
from core.services import UpsertCounts, journal_record, row_upsert
from core.text import utf8_text
from territories.models import EPCI, Commune
from territories.text import search_key

from . import standard
from .errors import DirectoryError
from .models import HelpPlace

LATITUDE_RANGE = (-90.0, 90.0)
LONGITUDE_RANGE = (-180.0, 180.0)


@dataclass(frozen=True)
class RowProblem:
    """Why one line of a file was rejected; `column` is empty for the whole line."""

    line: int
    column: str
    reason: str

    def __str__(self):
        if self.column:
            return f"ligne {self.line}, {self.column} : {self.reason}"
        return f"ligne {self.line} : {self.reason}"


@dataclass
class ImportReport(UpsertCounts):
    problems: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def rejected_lines(self) -> list[int]:
        return sorted({problem.line for problem in self.problems})

    def __str__(self):
        summary = (
            f"{quantity(self.created, 'lieu créé', 'lieux créés')}, "
            f"{self.updated} mis à jour, "
            f"{quantity(self.unchanged, 'inchangé', 'inchangés')}."
        )
        if self.problems:
            rejected = len(self.rejected_lines)
            summary += f" {quantity(rejected, 'ligne rejetée', 'lignes rejetées')}."
        return summary


@dataclass
class PlaceRow:
    line: int
    values: dict[str, Any]  # HelpPlace field name -> value


def _records(text: str):
    """(first line, cells) for each non-blank record; quoted cells may span lines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    end = 0
    try:
        for cells in reader:
            start, end = end + 1, reader.line_num
            if any(cell.strip() for cell in cells):
                yield start, cells
    except csv.Error as error:
        raise DirectoryError(
            "Le fichier n'est pas un CSV lisible.",
            [f"ligne {reader.line_num} : CSV mal formé ({error})."],
        ) from error


def _header(cells: list[str], warnings: list[str]) -> list[str]:
    header = [cell.strip() for cell in cells]
    columns = standard.columns()
    missing = [c.name for c in columns if c.required and c.name not in header]
    if missing:
        raise DirectoryError(
            "Colonne(s) obligatoire(s) manquante(s) : " + ", ".join(missing) + ".",
            ["ligne 1 : en-tête attendu : " + ",".join(standard.column_names())],
        )
    doubled = sorted({name for name in header if header.count(name) > 1})
    if doubled:
        raise DirectoryError(
            "Colonne(s) en double : " + ", ".join(doubled) + ".",
            ["ligne 1 : chaque colonne ne doit figurer qu'une fois."],
        )
    known = set(standard.column_names())
    unknown = [name for name in header if name not in known]
    if unknown:
        warnings.append(
            "Colonne(s) hors du standard, ignorée(s) : " + ", ".join(unknown) + "."
        )
    absent = [c.name for c in columns if c.name not in header]
    if absent:
        warnings.append(
            "Colonne(s) facultative(s) absente(s), laissée(s) vide(s) : "
            + ", ".join(absent)
            + "."
        )
    return header


def _check_cells(
    line: int, header: list[str], cells: list[str], problems: list[RowProblem]
) -> PlaceRow | None:
    if len(cells) != len(header):
        problems.append(
            RowProblem(line, "", f"{len(cells)} cellule(s) au lieu de {len(header)}.")
        )
        return None
    raw = dict(zip(header, cells, strict=True))
    before = len(problems)
    values: dict[str, Any] = {}
    for column in standard.columns():
        value, reason = column.check(raw.get(column.name, ""))
        if reason:
            problems.append(RowProblem(line, column.name, reason))
        else:
            values[column.field] = value
    if len(problems) > before:
        return None
    latitude, longitude = values["latitude"], values["longitude"]
    if (latitude is None) != (longitude is None):
        problems.append(
            RowProblem(line, "latitude", "latitude et longitude vont ensemble.")
        )
    if latitude is not None and not LATITUDE_RANGE[0] <= latitude <= LATITUDE_RANGE[1]:
        problems.append(
            RowProblem(line, "latitude", f"« {latitude} » hors de -90 à 90.")
        )
    if (
        longitude is not None
        and not LONGITUDE_RANGE[0] <= longitude <= LONGITUDE_RANGE[1]
    ):
        problems.append(
            RowProblem(line, "longitude", f"« {longitude} » hors de -180 à 180.")
        )
    if len(problems) > before:
        return None
    return PlaceRow(line=line, values=values)


def _check_unique(rows: list[PlaceRow], problems: list[RowProblem]) -> list[PlaceRow]:
    """Drop lines repeating a value of a column the schema declares unique (`id`)."""
    unique = [column for column in standard.columns() if column.unique]
    seen: dict[tuple[str, Any], int] = {}
    kept = []
    for row in rows:
        repeated = False
        for column in unique:
            key = (column.name, row.values[column.field])
            if key in seen:
                problems.append(
                    RowProblem(
                        row.line,
                        column.name,
                        f"« {key[1]} » déjà présent ligne {seen[key]}.",
                    )
                )
                repeated = True
        if not repeated:
            for column in unique:
                seen[(column.name, row.values[column.field])] = row.line
            kept.append(row)
    return kept


@dataclass(frozen=True)
class PostcodeCheck:
    """How a place's postcode fits its commune: `error` refuses it, `warning` asks
    to check it (a CEDEX code or a neighbouring post office's, same département)."""

    error: str = ""
    warning: str = ""


def postcode_check(postcode: str, commune: Commune) -> PostcodeCheck:
    if postcode in commune.postcode_list:
        return PostcodeCheck()
    known = ", ".join(commune.postcode_list)
    departement = "20" if commune.departement in ("2A", "2B") else commune.departement
    if not postcode.startswith(departement):
        return PostcodeCheck(
            error=f"« {postcode} » est un code postal d'un autre département que "
            f"{commune.name} ({known})."
        )
    return PostcodeCheck(
        warning=f"« {postcode} » n'est pas un code postal de {commune.name} ({known}) "
        ": gardé tel quel, vérifiez-le (code CEDEX ?)."
    )


def _resolve_communes(
    rows: list[PlaceRow], problems: list[RowProblem], warnings: list[str]
) -> list[PlaceRow]:
    """Link each row to its Commune: by INSEE code, else by name and postcode."""
    codes = {row.values["code_insee"] for row in rows if row.values["code_insee"]}
    by_code = {c.insee_code: c for c in Commune.objects.filter(insee_code__in=codes)}
    names = {search_key(row.values["commune_nom"]) for row in rows}
    by_name: dict[str, list[Commune]] = {}
    for commune in Commune.objects.filter(search_name__in=names):
        by_name.setdefault(commune.search_name, []).append(commune)
    kept = []
    for row in rows:
        code = row.values["code_insee"]
        name = row.values["commune_nom"]
        if code:
            commune = by_code.get(code)
            if commune is None:
                problems.append(
                    RowProblem(
                        row.line,
                        "code_insee",
                        f"« {code} » ne correspond à aucune commune connue.",
                    )
                )
                continue
        else:
            homonyms = by_name.get(search_key(name), [])
            matching = [
                c for c in homonyms if row.values["code_postal"] in c.postcode_list
            ]
            if len(matching) != 1:
                if len(homonyms) == 1:
                    commune = homonyms[0]
                else:
                    reason = (
                        f"« {name} » ({row.values['code_postal']}) ne correspond à "
                        "aucune commune connue ; indiquez son code INSEE."
                        if not matching
                        else f"« {name} » désigne plusieurs communes ; "
                        "indiquez son code INSEE."
                    )
                    problems.append(RowProblem(row.line, "commune", reason))
                    continue
            else:
                commune = matching[0]
        postcode = postcode_check(row.values["code_postal"], commune)
        if postcode.error:
            problems.append(RowProblem(row.line, "code_postal", postcode.error))
            continue
        if postcode.warning:
            warnings.append(f"ligne {row.line}, code_postal : {postcode.warning}")
        row.values["commune"] = commune
        kept.append(row)
    return kept


def _existing_places(rows: list[PlaceRow], *, lock: bool) -> dict[str, HelpPlace]:
    """The places the rows would update (by `id`), locked when about to write."""
    places = HelpPlace.objects.select_related("epci").filter(
        standard_id__in=[row.values["standard_id"] for row in rows]
    )
    if lock:
        places = places.select_for_update(of=("self",))
    return {place.standard_id: place for place in places}


def _check_scope(
    rows: list[PlaceRow],
    epci: EPCI | None,
    existing: dict[str, HelpPlace],
    problems: list[RowProblem],
) -> list[PlaceRow]:
    """An import for one EPCI writes only there: a place of one of its communes,
    new or already managed by it. It neither creates a place in another EPCI's
    commune, nor moves one there, nor changes another EPCI's place (or one that no
    EPCI manages, which only an administrator edits)."""
    if epci is None:
        return rows
    kept = []
    for row in rows:
        refused = False
        place = existing.get(row.values["standard_id"])
        if place is not None and place.epci_id != epci.pk:
            owner = (
                f"géré par {place.epci.name}"
                if place.epci is not None
                else "qu'aucun EPCI ne gère : seul un administrateur le modifie"
            )
            problems.append(
                RowProblem(
                    row.line,
                    "id",
                    f"« {row.values['standard_id']} » est un lieu {owner}.",
                )
            )
            refused = True
        commune: Commune = row.values["commune"]
        if commune.epci_id != epci.pk:
            problems.append(
                RowProblem(
                    row.line,
                    "commune",
                    f"{commune.name} ({commune.insee_code}) n'est pas une commune de "
                    f"{epci.name} : un import pour cet EPCI n'y crée ni n'y déplace "
                    "aucun lieu.",
                )
            )
            refused = True
        if not refused:
            kept.append(row)
    return kept


def _parse(
    data: bytes, epci: EPCI | None, *, lock: bool
) -> tuple[list[PlaceRow], ImportReport, dict[str, HelpPlace]]:
    text = utf8_text(data, DirectoryError)
    if not text.strip():
        raise DirectoryError("Le fichier est vide.")
    report = ImportReport()
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise DirectoryError("Le fichier est vide.")
    header = _header(first[1], report.warnings)
    rows = []
    for line, cells in records:
        row = _check_cells(line, header, cells, report.problems)
        if row is not None:
            rows.append(row)
    rows = _check_unique(rows, report.problems)
    rows = _resolve_communes(rows, report.problems, report.warnings)
    existing = _existing_places(rows, lock=lock)
    rows = _check_scope(rows, epci, existing, report.problems)
    report.problems.sort(key=lambda problem: problem.line)
    return rows, report, existing


def help_places_parse(
    *, data: bytes, epci: EPCI | None = None
) -> tuple[list[PlaceRow], ImportReport]:
    """Check a CSV in the standard. File-level faults raise DirectoryError; the
    report lists each rejected line, and the rows returned are the valid ones.
    With `epci`, lines outside that EPCI are rejected (see `_check_scope`)."""
    rows, report, _ = _parse(data, epci, lock=False)
    return rows, report


def _model_values(row: PlaceRow, epci: EPCI | None) -> dict[str, Any]:
    values = dict(row.values)
    commune: Commune = values.pop("commune")
    values.pop("standard_id")
    if values["latitude"] is None:
        values["latitude"] = commune.latitude
        values["longitude"] = commune.longitude
        values["coordinates_source"] = HelpPlace.CoordinatesSource.COMMUNE
    else:
        values["coordinates_source"] = HelpPlace.CoordinatesSource.PLACE
    values["commune_id"] = commune.pk
    managing = epci if epci is not None else commune.epci
    values["epci_id"] = managing.pk if managing is not None else None
    return values


@transaction.atomic
def help_places_import(
    *,
    data: bytes,
    epci: EPCI | None = None,
    actor=None,
    only_valid_rows: bool = False,
) -> ImportReport:
    """Import help places from a CSV in the national standard.

    Nothing is written unless every line is valid, or `only_valid_rows` is set (the
    user saw the report and chose to keep the good lines). Re-importing updates by
    `id`. With `epci` (a coordinator's import), only the places of that EPCI's
    communes are written, and it manages them; without, each place is managed by
    its commune's EPCI. The places to update are locked before their EPCI is
    checked, so the check holds until the writes.
    """
    rows, report, existing = _parse(data, epci, lock=True)
    problems = [str(problem) for problem in report.problems]
    if report.problems and not only_valid_rows:
        raise DirectoryError(
            f"Le fichier contient {len(report.problems)} erreur(s) sur "
            f"{len(report.rejected_lines)} ligne(s) : rien n'a été importé.",
            problems,
        )
    if not rows:
        if report.problems:
            raise DirectoryError(
                "Aucune ligne valide : rien n'a été importé.", problems
            )
        raise DirectoryError("Le fichier ne contient aucun lieu.")

    for row in rows:
        row_upsert(
            HelpPlace,
            existing.get(row.values["standard_id"]),
            key={"standard_id": row.values["standard_id"]},
            values=_model_values(row, epci),
            counts=report,
        )
    journal_record(
        actor=actor,
        action="directory.help_places_imported",
        target=epci,
        details={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "rejected_lines": report.rejected_lines,
        },
    )
    return report


def help_place_change_record(*, actor, place: HelpPlace, change: str) -> None:
    """Journal a place created, changed or deleted by hand in the CMS (`change`)."""
    journal_record(
        actor=actor,
        action=f"directory.help_place_{change}",
        target=place if place.pk is not None else None,  # deleted: no row left
        details={"id": place.standard_id, "nom": place.nom, "epci_id": place.epci_id},
    )
