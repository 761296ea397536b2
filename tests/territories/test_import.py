from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import JournalEntry
from territories.errors import TerritoriesError
from territories.models import EPCI, Commune, Pilot
from territories.selectors import commune_search
from territories.services import COMMUNE_COLUMNS, communes_import
from tests.conftest import COMMUNES_CSV

pytestmark = pytest.mark.django_db

HEADER = ",".join(COMMUNE_COLUMNS)
GOOD_ROW = "28280,Nogent-le-Rotrou,28,28400,200006971,CC du Perche,9715,48.3216,0.82188"


def csv_bytes(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_real_file_imports_151_communes_in_7_epcis(perche):
    assert perche.created == 151
    assert Commune.objects.count() == 151
    assert EPCI.objects.count() == 7
    assert set(Commune.objects.values_list("departement", flat=True)) == {
        "28",
        "61",
        "72",
    }
    nogent = Commune.objects.get(insee_code="28280")
    assert nogent.name == "Nogent-le-Rotrou"
    assert nogent.epci.siren == "200006971"
    assert nogent.postcode_list == ["28400"]
    assert nogent.latitude == pytest.approx(48.3216)
    assert EPCI.objects.get(siren="200006971").communes.count() == 20
    assert JournalEntry.objects.filter(action="territories.communes_imported").exists()


def test_reimport_is_idempotent_and_updates_changed_rows(perche):
    again = communes_import(data=COMMUNES_CSV.read_bytes())
    assert (again.created, again.updated, again.unchanged) == (0, 0, 151)
    changed = csv_bytes(
        "28280,Nogent-le-Rotrou,28,28400|28401,200006971,CC du Perche,9800,"
        "48.3216,0.82188"
    )
    report = communes_import(data=changed)
    assert (report.created, report.updated) == (0, 1)
    nogent = Commune.objects.get(insee_code="28280")
    assert nogent.population == 9800
    assert nogent.postcode_list == ["28400", "28401"]
    assert nogent.epci.name == "CC du Perche"
    assert Commune.objects.count() == 151


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "Le fichier est vide"),
        (csv_bytes(header=HEADER.replace(",latitude", "")), "manquante(s) : latitude"),
        (csv_bytes(GOOD_ROW.replace("28280", "2828")), "ligne 2 : code INSEE « 2828 »"),
        (
            csv_bytes(GOOD_ROW.replace("28280", "61280")),
            "n'appartient pas au département",
        ),
        (csv_bytes(GOOD_ROW.replace("48.3216", "nord")), "ligne 2 : latitude « nord »"),
        (csv_bytes(GOOD_ROW.replace("0.82188", "200.5")), "longitude « 200.5 »"),
        (
            csv_bytes(GOOD_ROW.replace(",28400,", ",284,")),
            "code(s) postal(aux) « 284 »",
        ),
        (csv_bytes(GOOD_ROW.replace("200006971", "20000")), "SIREN d'EPCI « 20000 »"),
        (
            csv_bytes(GOOD_ROW.replace(",9715,", ",beaucoup,")),
            "population « beaucoup »",
        ),
        (
            csv_bytes(GOOD_ROW, GOOD_ROW),
            "ligne 3 : code INSEE 28280 déjà présent ligne 2",
        ),
        (csv_bytes(GOOD_ROW + ",en trop"), "ligne 2 : le nombre de colonnes"),
        (csv_bytes(GOOD_ROW[:40]), "ligne 2 : le nombre de colonnes"),
        (
            csv_bytes(GOOD_ROW, "28018,Authon,28,28330,200006971,Autre nom,1,48.2,0.9"),
            "porte deux noms",
        ),
        (
            csv_bytes("28010,Argenvilliers,28,28480,200006971,CC du Perche,1,48.2,0.9")
            .replace(b"Argenvilliers", "Argenvilliers é".encode("latin-1"))
            .replace(b"CC du Perche", "Communauté".encode("latin-1")),
            "ligne 2 : caractère illisible",
        ),
        (HEADER.encode() + b"\n", "aucune commune"),
    ],
)
def test_bad_file_is_refused_with_line_and_reason(perche, data, expected):
    before = list(Commune.objects.order_by("pk").values())
    journal_before = JournalEntry.objects.count()
    with pytest.raises(TerritoriesError) as raised:
        communes_import(data=data)
    assert expected in " ".join([raised.value.message, *raised.value.problems])
    assert list(Commune.objects.order_by("pk").values()) == before
    assert JournalEntry.objects.count() == journal_before


def test_a_bad_line_among_good_ones_writes_nothing(db):
    data = csv_bytes(
        GOOD_ROW, "28018,Authon-du-Perche,28,28330,200006971,CC du Perche,1511,x,0.9"
    )
    with pytest.raises(TerritoriesError, match="1 erreur"):
        communes_import(data=data)
    assert not Commune.objects.exists()
    assert not EPCI.objects.exists()


def test_command_reports_every_problem(tmp_path, db):
    path = tmp_path / "communes.csv"
    path.write_bytes(csv_bytes(GOOD_ROW.replace("28280", "ABCDE"), GOOD_ROW[:20]))
    with pytest.raises(CommandError) as raised:
        call_command("import_communes", str(path))
    assert "ligne 2" in str(raised.value)
    assert "ligne 3" in str(raised.value)
    with pytest.raises(CommandError, match="Impossible de lire"):
        call_command("import_communes", str(tmp_path / "absent.csv"))


def test_command_imports(tmp_path, db, capsys):
    call_command("import_communes", str(COMMUNES_CSV))
    assert "151 commune(s) créée(s)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Nogent-le-Rotrou", ["Nogent-le-Rotrou"]),
        ("nogent le rotrou", ["Nogent-le-Rotrou"]),
        ("REMALARD", ["Rémalard en Perche"]),
        ("Nogent-le-Rotrou (28400)", ["Nogent-le-Rotrou"]),
        ("Bellême", ["Bellême"]),
        ("zzz", []),
        ("", []),
        ("'", []),
    ],
)
def test_commune_search(perche, query, expected):
    assert [c.name for c in commune_search(query=query)] == expected


def test_postcode_shared_by_several_communes(perche):
    names = [c.name for c in commune_search(query="28400")]
    assert "Nogent-le-Rotrou" in names
    assert len(names) > 3
    assert all("28400" in c.postcodes for c in commune_search(query="28400"))


def test_pilot_active_on_a_date(perche):
    epci = EPCI.objects.get(siren="200006971")
    pilot = Pilot.objects.create(
        epci=epci, name="Test", starts_on=date(2026, 9, 1), ends_on=date(2027, 8, 31)
    )
    open_ended = Pilot.objects.create(
        epci=EPCI.objects.get(siren="200070167"),
        name="Sans fin",
        starts_on=date(2027, 1, 1),
    )
    assert list(Pilot.objects.active_on(date(2026, 8, 31))) == []
    assert list(Pilot.objects.active_on(date(2026, 9, 1))) == [pilot]
    assert set(Pilot.objects.active_on(date(2027, 8, 31))) == {pilot, open_ended}
    assert list(Pilot.objects.active_on(date(2030, 1, 1))) == [open_ended]
