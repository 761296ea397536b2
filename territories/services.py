import csv
import io
import math
import re
from dataclasses import dataclass, field

from django.db import transaction

from core.services import UpsertCounts, journal_record, row_upsert
from core.text import utf8_text

from .errors import TerritoriesError
from .models import EPCI, Commune, Pilot

COMMUNE_COLUMNS = (
    "code_insee",
    "nom",
    "departement",
    "codes_postaux",
    "epci_siren",
    "epci_nom",
    "population",
    "latitude",
    "longitude",
)
INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
DEPARTEMENT_RE = re.compile(r"^(\d{2,3}|2[AB])$")
POSTCODE_RE = re.compile(r"^\d{5}$")
SIREN_RE = re.compile(r"^\d{9}$")


@dataclass
class CommuneRow:
    insee_code: str
    name: str
    departement: str
    postcodes: str
    epci_siren: str
    epci_name: str
    population: int | None
    latitude: float
    longitude: float


@dataclass
class ImportReport(UpsertCounts):
    epcis: set[str] = field(default_factory=set)

    def __str__(self):
        return (
            f"{self.created} commune(s) créée(s), {self.updated} mise(s) à jour, "
            f"{self.unchanged} inchangée(s), {len(self.epcis)} EPCI."
        )


def _coordinate(value: str, low: float, high: float) -> float | None:
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) and low <= number <= high else None


def _parse_row(row: dict, problems: list[str], line: int) -> CommuneRow | None:
    def bad(reason: str) -> None:
        problems.append(f"ligne {line} : {reason}")

    if None in row or any(value is None for value in row.values()):
        bad(f"le nombre de colonnes n'est pas {len(COMMUNE_COLUMNS)}.")
        return None
    values = {key: (row[key] or "").strip() for key in COMMUNE_COLUMNS}
    before = len(problems)
    if not INSEE_RE.match(values["code_insee"]):
        bad(f"code INSEE « {values['code_insee']} » invalide (5 caractères attendus).")
    if not values["nom"]:
        bad("le nom de la commune est vide.")
    departement = values["departement"]
    if not DEPARTEMENT_RE.match(departement):
        bad(f"département « {departement} » invalide.")
    elif INSEE_RE.match(values["code_insee"]) and not values["code_insee"].startswith(
        departement
    ):
        bad(
            f"le code INSEE {values['code_insee']} n'appartient pas au "
            f"département {departement}."
        )
    postcodes = [code.strip() for code in values["codes_postaux"].split("|")]
    if not all(POSTCODE_RE.match(code) for code in postcodes):
        bad(f"code(s) postal(aux) « {values['codes_postaux']} » invalide(s).")
    if not SIREN_RE.match(values["epci_siren"]):
        bad(f"SIREN d'EPCI « {values['epci_siren']} » invalide (9 chiffres).")
    if not values["epci_nom"]:
        bad("le nom de l'EPCI est vide.")
    population = None
    if values["population"]:
        if values["population"].isdigit():
            population = int(values["population"])
        else:
            bad(f"population « {values['population']} » invalide.")
    latitude = _coordinate(values["latitude"], -90, 90)
    longitude = _coordinate(values["longitude"], -180, 180)
    if latitude is None:
        bad(f"latitude « {values['latitude']} » invalide (entre -90 et 90).")
    if longitude is None:
        bad(f"longitude « {values['longitude']} » invalide (entre -180 et 180).")
    if len(problems) > before:
        return None
    return CommuneRow(
        insee_code=values["code_insee"],
        name=values["nom"],
        departement=departement,
        postcodes=" ".join(postcodes),
        epci_siren=values["epci_siren"],
        epci_name=values["epci_nom"],
        population=population,
        latitude=latitude,
        longitude=longitude,
    )


def communes_parse(*, data: bytes) -> list[CommuneRow]:
    """Check the whole file; raise with every bad line, or return all rows."""
    text = utf8_text(data, TerritoriesError)
    if not text.strip():
        raise TerritoriesError("Le fichier est vide.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    missing = [column for column in COMMUNE_COLUMNS if column not in header]
    if missing:
        raise TerritoriesError(
            "Colonne(s) manquante(s) : " + ", ".join(missing) + ".",
            ["ligne 1 : en-tête attendu : " + ",".join(COMMUNE_COLUMNS)],
        )
    problems: list[str] = []
    rows: list[CommuneRow] = []
    seen_codes: dict[str, int] = {}
    epci_names: dict[str, str] = {}
    try:
        for row in reader:
            line = reader.line_num
            parsed = _parse_row(row, problems, line)
            if parsed is None:
                continue
            if parsed.insee_code in seen_codes:
                problems.append(
                    f"ligne {line} : code INSEE {parsed.insee_code} déjà présent "
                    f"ligne {seen_codes[parsed.insee_code]}."
                )
                continue
            known_name = epci_names.setdefault(parsed.epci_siren, parsed.epci_name)
            if known_name != parsed.epci_name:
                problems.append(
                    f"ligne {line} : l'EPCI {parsed.epci_siren} porte deux noms "
                    f"(« {known_name} » et « {parsed.epci_name} »)."
                )
                continue
            seen_codes[parsed.insee_code] = line
            rows.append(parsed)
    except csv.Error as error:
        problems.append(f"ligne {reader.line_num} : CSV mal formé ({error}).")
    if problems:
        raise TerritoriesError(
            f"Le fichier contient {len(problems)} erreur(s) : rien n'a été importé.",
            problems,
        )
    if not rows:
        raise TerritoriesError("Le fichier ne contient aucune commune.")
    return rows


@transaction.atomic
def communes_import(*, data: bytes, actor=None) -> ImportReport:
    """Import communes and their EPCIs: all or nothing; re-importing updates rows."""
    rows = communes_parse(data=data)
    report = ImportReport()
    epcis = {epci.siren: epci for epci in EPCI.objects.all()}
    for row in rows:
        epci = epcis.get(row.epci_siren)
        if epci is None:
            epci = epcis[row.epci_siren] = EPCI.objects.create(
                siren=row.epci_siren, name=row.epci_name
            )
        elif epci.name != row.epci_name:
            epci.name = row.epci_name
            epci.save(update_fields=["name"])
        report.epcis.add(row.epci_siren)

    existing = {c.insee_code: c for c in Commune.objects.all()}
    for row in rows:
        values = {
            "name": row.name,
            "departement": row.departement,
            "postcodes": row.postcodes,
            "population": row.population,
            "latitude": row.latitude,
            "longitude": row.longitude,
            "epci": epcis[row.epci_siren],
        }
        row_upsert(
            Commune,
            existing.get(row.insee_code),
            key={"insee_code": row.insee_code},
            values=values,
            counts=report,
        )
    journal_record(
        actor=actor,
        action="territories.communes_imported",
        details={
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
        },
    )
    return report


@transaction.atomic
def pilot_ensure(
    *, epci: EPCI, name: str, starts_on, ends_on=None, actor=None
) -> Pilot:
    pilot, created = Pilot.objects.get_or_create(
        epci=epci, name=name, defaults={"starts_on": starts_on, "ends_on": ends_on}
    )
    if created:
        journal_record(actor=actor, action="territories.pilot_created", target=pilot)
    return pilot
