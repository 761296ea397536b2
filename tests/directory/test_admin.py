"""The directory in the CMS (/cms/): who sees and edits which places, the edit form's
rules, the two-step CSV import and the export."""

import csv
import html
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.middleware import CMS_REFUSAL
from accounts.models import EDITORS_GROUP, Role
from core.models import JournalEntry
from curriculum.models import Framework
from directory import standard
from directory.export import help_places_export_csv
from directory.models import HelpPlace
from directory.services import help_places_import
from territories.models import EPCI, Commune
from tests.directory.places import csv_bytes, csv_row
from tests.factories import EditorFactory, RoleMembershipFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DEMO_CSV = ROOT / "directory/data/demo-lieux.csv"
PERCHE = "200006971"  # A: Communauté de communes du Perche, 5 demo places
SENONCHES = "200069912"  # B: CC des Forêts du Perche (Senonches), 2 demo places

LIST_URL = "/cms/snippets/directory/helpplace/"
ADD_URL = LIST_URL + "add/"
IMPORT_URL = "/cms/annuaire/importer/"
EXPORT_URL = "/cms/annuaire/exporter/"
DENIED = "Désolé, vous n'avez pas les autorisations pour accéder à cette zone."


def edit_url(place: HelpPlace) -> str:
    return f"{LIST_URL}edit/{place.pk}/"


def delete_url(place: HelpPlace) -> str:
    return f"{LIST_URL}delete/{place.pk}/"


@pytest.fixture
def directory(perche):
    help_places_import(data=DEMO_CSV.read_bytes())
    return {
        "a": EPCI.objects.get(siren=PERCHE),
        "b": EPCI.objects.get(siren=SENONCHES),
    }


@pytest.fixture
def place_a(directory):
    return HelpPlace.objects.get(standard_id="demo-cbe-nogent")


@pytest.fixture
def place_b(directory):
    return HelpPlace.objects.get(standard_id="demo-france-services-senonches")


def member(role: str, epci: EPCI):
    return RoleMembershipFactory(role=role, epci=epci).user


@pytest.fixture
def coordinator_a(directory):
    return member(Role.COORDINATOR, directory["a"])


@pytest.fixture
def coordinator_b(directory):
    return member(Role.COORDINATOR, directory["b"])


@pytest.fixture
def superuser(db):
    return UserFactory(is_superuser=True, is_staff=True)


def place_data(place: HelpPlace | None = None, **changes) -> dict:
    """The edit form's fields as a browser posts them."""
    data = {}
    for column in standard.columns():
        name = column.field
        if name in ("commune_nom", "code_insee"):
            continue
        value = getattr(place, name) if place else column.empty
        if column.choices:
            data[name] = list(value)
        elif column.multiple:
            data[name] = "\n".join(value)
        elif value is None:
            data[name] = ""
        else:
            data[name] = str(value)
    if place is not None:
        data["commune"] = str(place.commune_id)
        data["epci"] = str(place.epci_id or "")
        if place.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE:
            data["latitude"] = data["longitude"] = ""
    data.update(changes)
    return data


def new_place_data(commune: Commune, managing: EPCI, **changes) -> dict:
    values = {
        "standard_id": "lieu-nouveau",
        "pivot": "43493312300029",
        "nom": "Espace numérique de la médiathèque",
        "adresse": "2 place du Marché",
        "code_postal": commune.main_postcode,
        "commune": str(commune.pk),
        "epci": str(managing.pk),
        "date_maj": "2026-11-02",
        "horaires": "Tu-Sa 10:00-12:00,14:00-18:00; PH off",
        "services": ["Aide aux démarches administratives"],
        "publics_specifiquement_adresses": ["Jeunes"],
        "frais_a_charge": ["Gratuit"],
    }
    return place_data(**{**values, **changes})


def menu_names(response) -> set[str]:
    """The names of the items of the CMS's main menu, submenus included."""
    props = re.search(
        r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    names = set()

    def walk(node):
        if isinstance(node, dict):
            if node.get("_type", "").startswith("wagtail.sidebar.") and node[
                "_type"
            ] != ("wagtail.sidebar.MainMenuModule"):
                first = node["_args"][0]
                name = first.get("name") if isinstance(first, dict) else None
                names.add(name["_val"] if isinstance(name, dict) else name)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(props.group(1)))
    return names


def denied(response) -> bool:
    """Wagtail's "permission denied": back to the CMS home with a message."""
    if response.status_code != 302 or response.url != "/cms/":
        return False
    messages = get_messages(response.wsgi_request)
    return any(html.unescape(str(message)).strip() == DENIED for message in messages)


def refused(response) -> bool:
    """A signed-in account without CMS access: the site's one refusal page."""
    return response.status_code == 403 and CMS_REFUSAL in page_text(response)


def upload(name: str, data: bytes):
    return SimpleUploadedFile(name, data, content_type="text/csv")


# Who reaches what


def test_coordinator_reaches_the_cms_and_sees_the_directory_only(
    client, site, coordinator_a
):
    client.force_login(coordinator_a)
    response = client.get("/cms/")
    assert response.status_code == 200
    names = menu_names(response)
    assert {"annuaire", "lieux-d-aide", "importer-des-lieux"} <= names
    assert not names & {"explorer", "snippets", "images", "documents", "referentiel"}
    assert not names & {"reports", "settings"}


def test_coordinator_cannot_edit_pages_nor_the_framework(client, site, coordinator_a):
    framework = Framework.objects.create(version=1)
    client.force_login(coordinator_a)
    assert denied(client.get(f"/cms/pages/{site.pk}/edit/"))
    assert denied(client.post(f"/cms/pages/{site.pk}/edit/", {"title": "Piraté"}))
    site.refresh_from_db()
    assert site.title != "Piraté"
    framework_edit = reverse(
        Framework.snippet_viewset.get_url_name("edit"), args=[framework.pk]
    )
    assert denied(client.get(framework_edit))
    assert denied(client.get(reverse(Framework.snippet_viewset.get_url_name("list"))))
    assert denied(client.get("/cms/snippets/"))


@pytest.mark.parametrize("role", [Role.INFORMER, Role.SCHOOL_STAFF])
def test_other_staff_roles_have_no_cms(client, directory, place_a, role):
    client.force_login(member(role, directory["a"]))
    assert refused(client.get("/cms/"))
    assert refused(client.get(LIST_URL))
    assert refused(client.post(edit_url(place_a), place_data(place_a, nom="X")))
    assert refused(client.get(IMPORT_URL))
    assert HelpPlace.objects.get(pk=place_a.pk).nom == place_a.nom


def test_learner_has_no_cms(client, place_a):
    client.force_login(UserFactory())
    assert refused(client.get("/cms/"))
    assert refused(client.get(edit_url(place_a)))
    assert refused(client.get(f"{EXPORT_URL}{PERCHE}.csv"))


def test_a_revoked_coordinator_has_no_cms(client, directory):
    membership = RoleMembershipFactory(role=Role.COORDINATOR, epci=directory["a"])
    membership.revoked_at = membership.granted_at
    membership.save()
    client.force_login(membership.user)
    assert refused(client.get(LIST_URL))


def test_an_editor_with_django_permissions_still_cannot_edit_places(
    client, site, place_a
):
    editor = EditorFactory()
    Group.objects.get(name=EDITORS_GROUP).permissions.add(
        *Permission.objects.filter(content_type__app_label="directory")
    )
    client.force_login(editor)
    assert client.get("/cms/").status_code == 200
    assert "lieux-d-aide" not in menu_names(client.get("/cms/"))
    assert denied(client.get(LIST_URL))
    assert denied(client.get(edit_url(place_a)))


# The listing


def test_coordinator_lists_only_the_places_of_their_epci(
    client, coordinator_a, place_a, place_b
):
    client.force_login(coordinator_a)
    text = page_text(client.get(LIST_URL))
    assert place_a.nom in text
    assert "Mission Locale – Nogent-le-Rotrou" in text
    assert place_b.nom not in text
    assert "5 lieux d'aide" in text
    # The filters offer only what the coordinator manages.
    assert "Authon-du-Perche (28330)" in text
    assert "Senonches" not in text
    search = page_text(client.get(LIST_URL, {"q": "France Services"}))
    assert "France Services Authon-du-Perche" in search
    assert place_b.nom not in search
    assert "Maison du Tertre" not in search


def test_listing_filters_by_commune(client, coordinator_a):
    client.force_login(coordinator_a)
    authon = Commune.objects.get(insee_code="28018")
    text = page_text(client.get(LIST_URL, {"commune": authon.pk}))
    assert "France Services Authon-du-Perche" in text
    assert "Maison du Tertre" not in text


def test_superuser_lists_every_place(client, superuser, place_a, place_b):
    client.force_login(superuser)
    text = page_text(client.get(LIST_URL))
    assert place_a.nom in text and place_b.nom in text
    assert "11 lieux d'aide" in text


def test_listing_queries_do_not_grow_with_the_places(
    client, coordinator_a, directory, django_assert_max_num_queries
):
    client.force_login(coordinator_a)
    client.get(LIST_URL)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST_URL).status_code == 200
    template = HelpPlace.objects.get(standard_id="demo-cbe-nogent")
    for number in range(30):
        template.pk = None
        template.standard_id = f"copie-{number}"
        template.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST_URL)
    assert "35 lieux d'aide" in page_text(response)


# Editing


def test_coordinator_edits_a_place_of_their_epci(client, coordinator_a, place_a):
    client.force_login(coordinator_a)
    form = client.get(edit_url(place_a))
    assert form.status_code == 200
    text = page_text(form)
    for heading in ("Identité", "Adresse et coordonnées", "Contact", "Horaires"):
        assert heading in text
    assert "Services et publics" in text and "Accès" in text
    # Closed lists of the schema are checkboxes of its exact values.
    for value in standard.choices("services"):
        assert f'name="services" value="{value}"' in form.content.decode()

    response = client.post(
        edit_url(place_a),
        place_data(
            place_a,
            nom="CBE du Perche – espace numérique",
            horaires="Mo-Fr 08:30-12:30; PH off",
            services=[
                "Aide aux démarches administratives",
                "Accès internet et matériel informatique",
            ],
            courriels="accueil@cbe-perche.fr\ncontact@cbe-perche.fr",
        ),
    )
    assert response.status_code == 302, page_text(response)
    place_a.refresh_from_db()
    assert place_a.nom == "CBE du Perche – espace numérique"
    assert place_a.horaires == "Mo-Fr 08:30-12:30; PH off"
    assert place_a.services == [
        "Aide aux démarches administratives",
        "Accès internet et matériel informatique",
    ]
    assert place_a.courriels == ["accueil@cbe-perche.fr", "contact@cbe-perche.fr"]
    assert place_a.epci.siren == PERCHE
    assert client.get(f"{LIST_URL}history/{place_a.pk}/").status_code == 200
    entry = JournalEntry.objects.get(action="directory.help_place_changed")
    assert (entry.actor, entry.target_id) == (coordinator_a, str(place_a.pk))


def test_edit_refuses_what_the_import_refuses(client, coordinator_a, place_a):
    client.force_login(coordinator_a)
    before = HelpPlace.objects.filter(pk=place_a.pk).values().get()
    response = client.post(
        edit_url(place_a),
        place_data(
            place_a,
            horaires="du lundi au vendredi",
            telephone="02 37 52 41 41",
            pivot="123",
            code_postal="61000",
            latitude="48.3",
            services=["Cours de cuisine"],
            date_maj="",
        ),
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "« du lundi au vendredi » n'est pas au format OpenStreetMap" in text
    assert "« 02 37 52 41 41 » n'a pas le format attendu" in text
    assert "« 123 » n'a pas le format attendu" in text
    assert (
        "« 61000 » est un code postal d'un autre département que Nogent-le-Rotrou"
        in text
    )
    assert "latitude et longitude vont ensemble." in text
    assert (
        "Sélectionnez un choix valide. Cours de cuisine n’en fait pas partie." in text
    )
    assert "Champ requis." in text
    assert HelpPlace.objects.filter(pk=place_a.pk).values().get() == before


@pytest.mark.parametrize(
    ("field", "value", "start"),
    [
        ("nom", '=HYPERLINK("https://pirate.example";"Cliquez ici")', "= »"),
        ("adresse", "@SUM(1+1)*cmd|' /C calc'!A0", "@ »"),
        ("presentation_detail", "-2+3", "- »"),
        ("structure_parente", "+cmd|' /C calc'!A0", "+ »"),
        ("source", "\t=1+1", "= »"),
        ("typologie", 'ASSO\n=HYPERLINK("https://pirate.example")', "= »"),
        ("standard_id", "=lieu", "= »"),
    ],
)
def test_edit_refuses_a_value_a_spreadsheet_would_run(
    client, coordinator_a, place_a, field, value, start
):
    client.force_login(coordinator_a)
    before = HelpPlace.objects.filter(pk=place_a.pk).values().get()
    response = client.post(edit_url(place_a), place_data(place_a, **{field: value}))
    assert response.status_code == 200
    assert (
        f"{start}, qu'un tableur prendrait pour le début d'une formule et "
        "exécuterait : retirez ce caractère du début de la cellule."
    ) in page_text(response)
    assert HelpPlace.objects.filter(pk=place_a.pk).values().get() == before


def test_edit_refuses_links_that_are_not_web_addresses_and_bad_emails(
    client, coordinator_a, place_a
):
    client.force_login(coordinator_a)
    before = HelpPlace.objects.filter(pk=place_a.pk).values().get()
    response = client.post(
        edit_url(place_a),
        place_data(
            place_a,
            site_web="https://cbe-perche.fr\njavascript:alert(document.cookie)",
            prise_rdv="data:text/html,<script>alert(1)</script>",
            fiche_acces_libre="ftp://acceslibre.example.org/",
            courriels="accueil@cbe-perche.fr\naccueil@",
        ),
    )
    assert response.status_code == 200
    text = page_text(response)
    assert (
        "« javascript:alert(document.cookie) » n'est pas une adresse web : elle "
        "commence par https:// ou http://" in text
    )
    assert "« data:text/html,<script>alert(1)</script> » n'est pas une adr" in text
    assert "« ftp://acceslibre.example.org/ » n'est pas une adresse web" in text
    assert "« accueil@ » n'est pas une adresse électronique valide" in text
    assert HelpPlace.objects.filter(pk=place_a.pk).values().get() == before


def test_edit_keeps_phone_numbers_and_negative_longitudes(
    client, coordinator_a, place_a
):
    client.force_login(coordinator_a)
    response = client.post(
        edit_url(place_a),
        place_data(
            place_a,
            telephone="+33237521234",
            latitude="48.3217",
            longitude="-0.8214",
            nom="CBE - espace numérique",
            site_web="https://cbe-perche.fr/\nhttp://cbe-perche.fr/rdv",
        ),
    )
    assert response.status_code == 302, page_text(response)
    place_a.refresh_from_db()
    assert (place_a.telephone, place_a.longitude) == ("+33237521234", -0.8214)
    assert place_a.site_web == ["https://cbe-perche.fr/", "http://cbe-perche.fr/rdv"]


def test_coordinates_left_empty_are_the_town_halls_and_not_exported(
    client, coordinator_a, place_a
):
    client.force_login(coordinator_a)
    nogent = place_a.commune
    response = client.post(
        edit_url(place_a), place_data(place_a, latitude="", longitude="")
    )
    assert response.status_code == 302
    place_a.refresh_from_db()
    assert (place_a.latitude, place_a.longitude) == (nogent.latitude, nogent.longitude)
    assert place_a.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE

    client.post(
        edit_url(place_a), place_data(place_a, latitude="48.3217", longitude="0.8214")
    )
    place_a.refresh_from_db()
    assert (place_a.latitude, place_a.longitude) == (48.3217, 0.8214)
    assert place_a.coordinates_source == HelpPlace.CoordinatesSource.PLACE

    # What the form saved, the export writes and the import reads back unchanged.
    report = help_places_import(data=help_places_export_csv())
    assert (report.created, report.updated, report.unchanged) == (0, 0, 11)


def test_coordinator_cannot_touch_another_epcis_place(client, coordinator_a, place_b):
    client.force_login(coordinator_a)
    before = HelpPlace.objects.filter(pk=place_b.pk).values().get()
    assert denied(client.get(edit_url(place_b)))
    assert denied(client.post(edit_url(place_b), place_data(place_b, nom="Pris")))
    assert denied(client.get(delete_url(place_b)))
    assert denied(client.post(delete_url(place_b)))
    assert denied(client.get(f"{LIST_URL}history/{place_b.pk}/"))
    assert denied(client.get(f"{LIST_URL}usage/{place_b.pk}/"))
    bulk_delete = f"/cms/bulk/directory/helpplace/delete/?id={place_b.pk}"
    client.post(bulk_delete)
    assert HelpPlace.objects.filter(pk=place_b.pk).values().get() == before


def test_coordinator_b_is_kept_out_of_a(client, coordinator_b, place_a, place_b):
    client.force_login(coordinator_b)
    text = page_text(client.get(LIST_URL))
    assert place_b.nom in text and place_a.nom not in text
    assert denied(client.post(delete_url(place_a)))
    assert HelpPlace.objects.filter(pk=place_a.pk).exists()


def test_coordinator_deletes_a_place_of_their_epci(client, coordinator_a, place_a):
    client.force_login(coordinator_a)
    assert client.get(delete_url(place_a)).status_code == 200
    assert client.post(delete_url(place_a)).status_code == 302
    assert not HelpPlace.objects.filter(pk=place_a.pk).exists()
    entry = JournalEntry.objects.get(action="directory.help_place_deleted")
    assert entry.actor == coordinator_a
    assert entry.details["id"] == place_a.standard_id


def test_bulk_delete_skips_another_epcis_places(
    client, coordinator_a, place_a, place_b
):
    client.force_login(coordinator_a)
    bulk_delete = "/cms/bulk/directory/helpplace/delete/"
    client.post(f"{bulk_delete}?id={place_a.pk}&id={place_b.pk}")
    assert not HelpPlace.objects.filter(pk=place_a.pk).exists()
    assert HelpPlace.objects.filter(pk=place_b.pk).exists()


def test_coordinator_creates_places_only_in_their_epci(
    client, coordinator_a, directory
):
    client.force_login(coordinator_a)
    nogent = Commune.objects.get(insee_code="28280")
    senonches = Commune.objects.get(insee_code="28373")
    form = page_text(client.get(ADD_URL))
    assert "Communauté de communes du Perche" in form
    assert "Senonches (28250)" not in form

    refused = client.post(
        ADD_URL, new_place_data(nogent, directory["b"], standard_id="lieu-b")
    )
    assert refused.status_code == 200
    assert "Sélectionnez un choix valide" in page_text(refused)
    refused = client.post(
        ADD_URL,
        new_place_data(senonches, directory["a"], standard_id="lieu-senonches"),
    )
    assert refused.status_code == 200
    assert not HelpPlace.objects.filter(standard_id__in=["lieu-b", "lieu-senonches"])

    created = client.post(ADD_URL, new_place_data(nogent, directory["a"]))
    assert created.status_code == 302, page_text(created)
    place = HelpPlace.objects.get(standard_id="lieu-nouveau")
    assert place.epci == directory["a"]
    assert place.commune_nom == "Nogent-le-Rotrou"
    assert place.code_insee == "28280"
    assert place.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    assert place.frais_a_charge == ["Gratuit"]
    created = JournalEntry.objects.get(action="directory.help_place_created")
    assert (created.actor, created.target_id) == (coordinator_a, str(place.pk))


def test_superuser_creates_a_place_managed_by_its_communes_epci(
    client, superuser, directory
):
    client.force_login(superuser)
    senonches = Commune.objects.get(insee_code="28373")
    data = new_place_data(senonches, directory["b"], epci="")
    assert client.post(ADD_URL, data).status_code == 302
    assert HelpPlace.objects.get(standard_id="lieu-nouveau").epci == directory["b"]


def test_identifier_stays_unique(client, coordinator_a, place_a, directory):
    client.force_login(coordinator_a)
    nogent = Commune.objects.get(insee_code="28280")
    response = client.post(
        ADD_URL,
        new_place_data(nogent, directory["a"], standard_id=place_a.standard_id),
    )
    assert response.status_code == 200
    assert "existe déjà" in page_text(response)
    assert HelpPlace.objects.filter(standard_id=place_a.standard_id).count() == 1


# Import


def check(client, data: bytes, name="lieux.csv", **fields):
    return client.post(IMPORT_URL, {"fichier": upload(name, data), **fields})


def digest_of(response) -> str:
    return re.search(
        r'name="digest" value="([0-9a-f]{64})"', response.content.decode()
    )[1]


def test_a_valid_file_is_checked_then_imported(client, coordinator_a, directory):
    client.force_login(coordinator_a)
    assert client.get(IMPORT_URL).status_code == 200
    data = csv_bytes(csv_row(), csv_row(id="lieu-2", nom="Deuxième lieu"))

    checked = check(client, data, epci=directory["a"].pk)

    text = page_text(checked)
    assert "2 lignes valides" in text
    assert "Rien n'a encore été importé." in text
    assert "Importer les 2 lieux" in text
    assert not HelpPlace.objects.filter(standard_id="lieu-importe").exists()

    done = client.post(IMPORT_URL, {"digest": digest_of(checked), "lignes": "toutes"})

    assert done.status_code == 302 and done.url == LIST_URL
    followed = page_text(client.get(done.url))
    assert "Import de « lieux.csv » : 2 lieux créés" in followed
    imported = HelpPlace.objects.get(standard_id="lieu-importe")
    assert imported.epci == directory["a"]
    entry = JournalEntry.objects.get(
        action="directory.help_places_imported", actor=coordinator_a
    )
    assert entry.details["created"] == 2
    assert entry.target_id == str(directory["a"].pk)
    # The file is used once.
    again = client.post(IMPORT_URL, {"digest": digest_of(checked), "lignes": "toutes"})
    assert "n'est plus disponible" in page_text(again)


def test_a_file_with_bad_lines_shows_the_report_and_writes_nothing(
    client, coordinator_a, directory
):
    client.force_login(coordinator_a)
    data = csv_bytes(
        csv_row(),
        csv_row(id="lieu-mauvais", horaires="le matin"),
        csv_row(id="lieu-3", code_postal="61000"),
        csv_row(id="demo-france-services-senonches"),
    )
    count = HelpPlace.objects.count()

    checked = check(client, data, epci=directory["a"].pk)

    text = page_text(checked)
    assert "1 ligne valide, 3 lignes rejetées." in text
    assert "« le matin » n'est pas au format OpenStreetMap" in text
    assert "« 61000 » est un code postal d'un autre département" in text
    assert (
        "« demo-france-services-senonches » est un lieu géré par Communauté de "
        "communes des Forêts du Perche." in text
    )
    assert "horaires" in text and "code_postal" in text
    assert "Importer seulement la ligne valide" in text
    assert "Importer les" not in text
    assert HelpPlace.objects.count() == count

    # Asking for every line of a file with bad ones still writes nothing.
    refused = client.post(
        IMPORT_URL, {"digest": digest_of(checked), "lignes": "toutes"}
    )
    assert "rien n'a été importé" in page_text(refused)
    assert HelpPlace.objects.count() == count

    done = client.post(IMPORT_URL, {"digest": digest_of(checked), "lignes": "valides"})
    assert done.status_code == 302
    assert HelpPlace.objects.count() == count + 1
    assert HelpPlace.objects.filter(standard_id="lieu-importe").exists()
    assert not HelpPlace.objects.filter(standard_id__in=["lieu-mauvais", "lieu-3"])
    assert (
        HelpPlace.objects.get(standard_id="demo-france-services-senonches").epci
        == (directory["b"])
    )


def test_import_confirms_only_the_file_that_was_checked(
    client, coordinator_a, directory
):
    client.force_login(coordinator_a)
    first = check(client, csv_bytes(csv_row()), epci=directory["a"].pk)
    check(client, csv_bytes(csv_row(id="autre")), epci=directory["a"].pk)
    response = client.post(IMPORT_URL, {"digest": digest_of(first), "lignes": "toutes"})
    assert response.status_code == 200
    assert "Le fichier vérifié n'est plus disponible" in page_text(response)
    assert not HelpPlace.objects.filter(standard_id__in=["lieu-importe", "autre"])


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        (
            "lieux.csv",
            csv_bytes(csv_row(nom="Médiathèque")).decode().encode("latin-1"),
            "Le fichier n'est pas encodé en UTF-8.",
        ),
        ("vide.csv", b"", "Le fichier soumis est vide."),
        ("blanc.csv", b"\n\n  \n", "Le fichier est vide."),
        (
            "colonnes.csv",
            b"id,nom,commune\nlieu-1,PIJ,Nogent-le-Rotrou\n",
            "Colonne(s) obligatoire(s) manquante(s) : pivot, code_postal, adresse, "
            "date_maj.",
        ),
        (
            "lieux.xlsx",
            b"PK\x03\x04\x14\x00\x06\x00" + bytes(200),
            "Ce fichier est un classeur (Excel, LibreOffice)",
        ),
        (
            "photo.png",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            "Le fichier n'est pas encodé en UTF-8.",
        ),
        (
            "notes.txt",
            b"Liste des lieux : PIJ, France Services\n",
            "Colonne(s) obligatoire(s) manquante(s)",
        ),
    ],
)
def test_each_bad_file_gets_its_french_message(
    client, coordinator_a, directory, name, data, message
):
    client.force_login(coordinator_a)
    count = HelpPlace.objects.count()
    response = check(client, data, name=name, epci=directory["a"].pk)
    assert response.status_code == 200
    assert message in page_text(response)
    assert 'name="digest"' not in response.content.decode()
    assert HelpPlace.objects.count() == count


def test_a_file_too_large_is_refused(client, coordinator_a, directory):
    client.force_login(coordinator_a)
    data = csv_bytes(csv_row()) + b"#" * 2_000_001
    response = check(client, data, epci=directory["a"].pk)
    assert "Le fichier dépasse 2 Mo" in page_text(response)


def test_coordinator_imports_only_for_their_epci(client, coordinator_a, directory):
    client.force_login(coordinator_a)
    response = check(client, csv_bytes(csv_row()), epci=directory["b"].pk)
    assert "Sélectionnez un choix valide" in page_text(response)
    response = check(client, csv_bytes(csv_row()), epci="")
    assert "Champ requis." in page_text(response)
    assert not HelpPlace.objects.filter(standard_id="lieu-importe").exists()


def rejected_rows(response) -> list[tuple[str, str, str]]:
    """The report's table: (line, column, reason) of each rejected cell."""
    cells = r"\s*<td>(.*?)</td>"
    return [
        tuple(html.unescape(cell).strip() for cell in row)
        for row in re.findall("<tr>" + cells * 3, response.content.decode(), re.S)
    ]


SENONCHES_REFUSED = (
    "Senonches (28373) n'est pas une commune de Communauté de communes du Perche : "
    "un import pour cet EPCI n'y crée ni n'y déplace aucun lieu."
)


@pytest.mark.parametrize("lines", ["toutes", "valides"])
def test_a_coordinator_imports_nothing_outside_their_epci(
    client, coordinator_a, directory, place_b, lines
):
    client.force_login(coordinator_a)
    senonches = {"commune": "Senonches", "code_postal": "28250", "code_insee": "28373"}
    # Another EPCI's own export: its places, by their ids, in its communes.
    others = help_places_export_csv(epci=directory["b"]).decode().splitlines()[1:]
    data = b"\n".join(
        [
            csv_bytes(
                csv_row(),
                csv_row(id="lieu-senonches", nom="Lieu à Senonches", **senonches),
            ).rstrip(),
            *(line.encode() for line in others),
        ]
    )
    before = list(HelpPlace.objects.order_by("pk").values())

    checked = check(client, data, epci=directory["a"].pk)

    text = page_text(checked)
    assert "1 ligne valide, 3 lignes rejetées." in text
    assert rejected_rows(checked) == [
        ("3", "commune", SENONCHES_REFUSED),
        (
            "4",
            "id",
            f"« {place_b.standard_id} » est un lieu géré par Communauté de "
            "communes des Forêts du Perche.",
        ),
        ("4", "commune", SENONCHES_REFUSED),
        (
            "5",
            "id",
            "« demo-pij-espace-jeunes-senonches » est un lieu géré par "
            "Communauté de communes des Forêts du Perche.",
        ),
        ("5", "commune", SENONCHES_REFUSED),
    ]
    assert "Importer seulement la ligne valide" in text

    done = client.post(IMPORT_URL, {"digest": digest_of(checked), "lignes": lines})

    after = {row["standard_id"]: row for row in HelpPlace.objects.values()}
    if lines == "toutes":
        assert "rien n'a été importé" in page_text(done)
        assert list(HelpPlace.objects.order_by("pk").values()) == before
    else:
        assert done.status_code == 302
        assert set(after) - {row["standard_id"] for row in before} == {"lieu-importe"}
        assert after["lieu-importe"]["epci_id"] == directory["a"].pk
        assert [after[row["standard_id"]] for row in before] == before
    assert "lieu-senonches" not in after
    assert not HelpPlace.objects.filter(
        epci=directory["a"], commune__epci=directory["b"]
    ).exists()


def test_superuser_imports_with_the_communes_epci(client, superuser, directory):
    client.force_login(superuser)
    data = csv_bytes(
        csv_row(),
        csv_row(
            id="lieu-senonches",
            commune="Senonches",
            code_postal="28250",
            code_insee="28373",
        ),
    )
    checked = check(client, data, epci="")
    assert "l'EPCI de la commune de chaque lieu" in page_text(checked)
    client.post(IMPORT_URL, {"digest": digest_of(checked), "lignes": "toutes"})
    assert HelpPlace.objects.get(standard_id="lieu-importe").epci == directory["a"]
    assert HelpPlace.objects.get(standard_id="lieu-senonches").epci == directory["b"]


# Export


def test_coordinator_downloads_the_csv_of_their_epci(client, coordinator_a):
    client.force_login(coordinator_a)
    page = page_text(client.get(EXPORT_URL))
    assert "Lieux gérés par Communauté de communes du Perche" in page
    assert "Tout l'annuaire" not in page

    response = client.get(f"{EXPORT_URL}{PERCHE}.csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"lieux-d-aide-{PERCHE}.csv" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5
    assert {row["id"] for row in rows} >= {"demo-cbe-nogent", "demo-pij-cc-perche"}
    assert client.get(f"{EXPORT_URL}{SENONCHES}.csv").status_code == 404
    assert denied(client.get(f"{EXPORT_URL}tout.csv"))


def test_superuser_downloads_the_whole_directory(client, superuser, directory):
    client.force_login(superuser)
    assert "Tout l'annuaire" in page_text(client.get(EXPORT_URL))
    response = client.get(f"{EXPORT_URL}tout.csv")
    assert response.content == help_places_export_csv()
    assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == 11
