"""A coordinator keeps their EPCI's help places up to date in the CMS: checks a CSV,
imports its valid lines, corrects a place by hand, and stays out of another EPCI's
places."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from directory.models import HelpPlace
from directory.services import help_places_import
from territories.models import EPCI
from tests.directory.places import csv_bytes, csv_row
from tests.factories import RoleMembershipFactory

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PERCHE = "200006971"  # Communauté de communes du Perche
FORETS_DU_PERCHE = "200069912"  # Senonches' EPCI
DENIED = "Désolé, vous n'avez pas les autorisations pour accéder à cette zone."


@pytest.fixture
def coordinator(site, perche):
    epci = EPCI.objects.get(siren=PERCHE)
    return RoleMembershipFactory(role=Role.COORDINATOR, epci=epci).user


@pytest.fixture
def senonches_place(perche):
    """A place managed by another EPCI."""
    help_places_import(
        data=csv_bytes(
            csv_row(
                id="france-services-senonches",
                nom="France Services Senonches",
                commune="Senonches",
                code_postal="28250",
                code_insee="28373",
            )
        )
    )
    place = HelpPlace.objects.get(standard_id="france-services-senonches")
    assert place.epci.siren == FORETS_DU_PERCHE
    return place


def test_coordinator_imports_then_corrects_their_places(
    page, coordinator, senonches_place
):
    # 1. From the site's login page to the CMS, where only the directory is offered.
    log_in(page, coordinator.email, "Mot-de-passe-solide-42")
    expect(page).not_to_have_url(re.compile("/compte/login/"))
    page.goto("/cms/")
    sidebar = page.get_by_role("complementary", name="Barre latérale")
    sidebar.get_by_role("button", name="Afficher/masquer la barre latérale").click()
    menu = sidebar.get_by_role("navigation", name="Menu principal")
    expect(menu.get_by_role("button", name="Annuaire")).to_be_visible()
    expect(menu.get_by_role("button", name="Pages", exact=True)).to_have_count(0)
    for other in ("Fragments", "Images", "Documents"):
        expect(menu.get_by_role("link", name=other, exact=True)).to_have_count(0)
    menu.get_by_role("button", name="Annuaire").click()
    menu.get_by_role("link", name="Importer des lieux").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des lieux")
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    # 2. The file is chosen and sent from the keyboard; the check writes nothing.
    count = HelpPlace.objects.count()
    form = page.get_by_role("form", name="Vérifier le fichier")
    form.get_by_text("Le fichier est d'abord vérifié").click()
    page.keyboard.press("Tab")
    file_field = form.get_by_label("Fichier CSV")
    expect(file_field).to_be_focused()
    file_field.set_input_files(
        {
            "name": "lieux-perche.csv",
            "mimeType": "text/csv",
            "buffer": csv_bytes(
                csv_row(horaires="Mo-Fr 14:00-17:00"),
                csv_row(id="pij-perche", nom="PIJ du Perche", horaires="le matin"),
                csv_row(id="mediatheque", nom="Espace numérique de la médiathèque"),
            ),
        }
    )
    page.keyboard.press("Tab")
    expect(form.get_by_label("EPCI gestionnaire des lieux")).to_be_focused()
    page.keyboard.press("Tab")
    expect(form.get_by_role("button", name="Vérifier le fichier")).to_be_focused()
    page.keyboard.press("Enter")

    report = page.get_by_role("region", name="Vérification de « lieux-perche.csv »")
    expect(report).to_contain_text("2 lignes valides, 1 ligne rejetée.")
    expect(report).to_contain_text("Rien n'a encore été importé.")
    rejected = report.get_by_role("table", name="Lignes rejetées").get_by_role("row")
    expect(rejected).to_have_count(2)  # the header and the bad line
    expect(rejected.nth(1).get_by_role("cell")).to_have_text(
        ["3", "horaires", re.compile("« le matin » n'est pas au format OpenStreetMap")]
    )
    assert HelpPlace.objects.count() == count
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    # 3. Only the valid lines are imported, for the coordinator's EPCI.
    report.get_by_role("button", name="Importer seulement les 2 lignes valides").click()
    expect(page).to_have_url(re.compile("/cms/snippets/directory/helpplace/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "Import de « lieux-perche.csv » : 2 lieux créés"
    )
    listing = page.get_by_role("main").get_by_role("table")
    imported = ["Espace numérique de la médiathèque", "Point numérique de la mairie"]
    for name in imported:
        expect(listing.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(listing.get_by_role("link", name="PIJ du Perche")).to_have_count(0)
    expect(listing.get_by_role("link", name=senonches_place.nom)).to_have_count(0)
    assert HelpPlace.objects.count() == count + 2
    new_places = HelpPlace.objects.exclude(pk=senonches_place.pk)
    assert sorted(new_places.values_list("nom", flat=True)) == imported
    assert {place.epci.siren for place in new_places} == {PERCHE}

    # 4. A wrong opening-hours value is refused in French; the right one is kept.
    listing.get_by_role("link", name="Point numérique de la mairie").click()
    place = HelpPlace.objects.get(nom="Point numérique de la mairie")
    expect(page).to_have_url(re.compile(f"/edit/{place.pk}/$"))
    before = HelpPlace.objects.filter(pk=place.pk).values().get()
    hours = page.get_by_role("region", name="Horaires").get_by_role(
        "textbox", name="Horaires"
    )
    expect(hours).to_have_value("Mo-Fr 14:00-17:00")
    save = page.get_by_role("navigation", name="Actions (pied de page)").get_by_role(
        "button", name="Enregistrer"
    )
    hours.fill("lundi matin")
    save.click()
    expect(page.get_by_role("status")).to_contain_text("à cause d'erreurs")
    expect(hours).to_have_accessible_description(
        re.compile("« lundi matin » n'est pas au format OpenStreetMap")
    )
    assert HelpPlace.objects.filter(pk=place.pk).values().get() == before

    hours.fill("Mo-Fr 09:00-12:00")
    save.click()
    expect(page).to_have_url(re.compile("/cms/snippets/directory/helpplace/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "« Point numérique de la mairie (Nogent-le-Rotrou) » modifié"
    )
    place.refresh_from_db()
    assert place.horaires == "Mo-Fr 09:00-12:00"

    # 5. Another EPCI's place: Wagtail's "permission denied", nothing touched.
    other_before = HelpPlace.objects.filter(pk=senonches_place.pk).values().get()
    page.goto(f"/cms/snippets/directory/helpplace/edit/{senonches_place.pk}/")
    expect(page).to_have_url(re.compile("/cms/$"))
    expect(page.get_by_role("status")).to_contain_text(DENIED)
    expect(page.get_by_role("main")).not_to_contain_text(senonches_place.nom)
    assert (
        HelpPlace.objects.filter(pk=senonches_place.pk).values().get() == other_before
    )
