"""The visit register: a line in a few taps, anonymous; the place's month with a
chart and a CSV for a French spreadsheet; an informer reads their places only."""

import csv
import io
from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from assessments import services
from assessments.models import AgeBand, Visit, VisitPurpose
from core.models import JournalEntry
from tests.factories import CommuneFactory, RoleMembershipFactory, UserFactory
from tests.helpers import page_text

from .informers import help_place, informer_at

pytestmark = pytest.mark.django_db

GOOD = {
    "purpose": VisitPurpose.CAF,
    "commune_query": "",
    "age_band": AgeBand.FROM_18,
    "minutes": "25",
    "printed": "on",
}


@pytest.fixture
def place_a():
    return help_place("PIJ du Perche")


@pytest.fixture
def informer(place_a):
    return informer_at(place_a).user


def _visit(place, informer, when, **fields):
    values = {
        "purpose": VisitPurpose.CAF,
        "commune": None,
        "age_band": AgeBand.FROM_18,
        "minutes": 10,
        "printed": False,
        **fields,
    }
    return services.visit_record(informer=informer, place=place, now=when, **values)


def test_a_visit_is_recorded_in_a_few_taps_without_a_name(client, informer, place_a):
    commune = CommuneFactory(name="Margon", postcodes="28400")
    client.force_login(informer)
    assert client.get(reverse("assessments:visit-create")).status_code == 200
    response = client.post(
        reverse("assessments:visit-create"),
        {**GOOD, "place": place_a.pk, "commune_query": "Margon"},
    )
    assert response.status_code == 302
    visit = Visit.objects.get()
    assert (
        visit.place,
        visit.purpose,
        visit.commune,
        visit.minutes,
        visit.printed,
    ) == (
        place_a,
        VisitPurpose.CAF,
        commune,
        25,
        True,
    )
    assert visit.recorded_by == informer
    assert {f.name for f in Visit._meta.fields}.isdisjoint({"name", "first_name"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"minutes": "0"}, "La durée va de 1 à 480 minutes."),
        ({"minutes": "481"}, "La durée va de 1 à 480 minutes."),
        ({"minutes": "-5"}, "La durée va de 1 à 480 minutes."),
        ({"minutes": "quinze"}, "La durée s'écrit en minutes"),
        ({"minutes": "9" * 40}, "La durée va de 1 à 480 minutes."),
        ({"minutes": ""}, "Indiquez la durée en minutes."),
        ({"purpose": "casino"}, "Choisissez le motif de la visite dans la liste."),
        ({"purpose": ""}, "Choisissez le motif de la visite."),
        ({"age_band": "12"}, "Choisissez une tranche d'âge de la liste."),
        ({"commune_query": "Atlantide"}, "Nous ne trouvons pas de commune"),
        ({"place": "999999"}, "Choisissez un de vos lieux d'accueil."),
        ({"place": "abc"}, "Choisissez un de vos lieux d'accueil."),
    ],
)
def test_impossible_values_are_refused_and_nothing_is_written(
    client, informer, place_a, change, message
):
    client.force_login(informer)
    response = client.post(
        reverse("assessments:visit-create"), {**GOOD, "place": place_a.pk, **change}
    )
    assert response.status_code == 400
    assert message in page_text(response)
    assert not Visit.objects.exists()


def test_no_line_in_the_register_of_a_place_one_does_not_work_at(
    client, informer, place_a
):
    elsewhere = help_place("Ailleurs")
    client.force_login(informer)
    response = client.post(
        reverse("assessments:visit-create"), {**GOOD, "place": elsewhere.pk}
    )
    assert response.status_code == 400
    with pytest.raises(services.AssessmentsError):
        _visit(elsewhere, informer, timezone.now())
    assert not Visit.objects.exists()


def test_the_service_refuses_impossible_values_too(informer, place_a):
    for change in (
        {"minutes": 0},
        {"minutes": None},
        {"purpose": "x"},
        {"age_band": "x"},
    ):
        with pytest.raises(services.AssessmentsError):
            _visit(place_a, informer, timezone.now(), **change)
    assert not Visit.objects.exists()
    assert not JournalEntry.objects.exists()


def _paris(*args):
    return timezone.make_aware(datetime(*args))


@pytest.fixture
def december(informer, place_a):
    nogent = CommuneFactory(name="Nogent-le-Rotrou")
    _visit(place_a, informer, _paris(2026, 12, 1, 0, 30), commune=nogent, minutes=20)
    _visit(
        place_a,
        informer,
        _paris(2026, 12, 14, 10),
        purpose=VisitPurpose.PARCOURSUP,
        commune=nogent,
        age_band=AgeBand.FROM_16,
        minutes=45,
        printed=True,
    )
    _visit(place_a, informer, _paris(2026, 12, 31, 23, 30), minutes=5)
    _visit(place_a, informer, _paris(2026, 11, 30, 23, 59), minutes=60)  # November
    elsewhere = help_place("Ailleurs")
    _visit(elsewhere, informer_at(elsewhere).user, _paris(2026, 12, 2))


def test_the_monthly_summary_counts_by_purpose_commune_and_age(
    client, informer, place_a, december, django_assert_max_num_queries
):
    client.force_login(informer)
    url = reverse("assessments:register-summary", args=[place_a.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"mois": "2026-12"})
    page = page_text(response)
    assert "Décembre 2026" in page
    assert (
        "3 passages, 70 minutes d'accompagnement en tout, 1 passage avec impression."
        in page
    )
    assert '<svg class="bar-chart" role="img"' in page
    assert "CAF : 2 ; CPAM / ameli : 0 ; Impôts : 0 ; Parcoursup : 1" in page
    assert '<th scope="row">Nogent-le-Rotrou</th><td>2</td>' in page
    assert '<th scope="row">non précisée</th><td>1</td>' in page
    assert '<th scope="row">16 – 17 ans</th><td>1</td>' in page


def test_the_csv_opens_in_a_french_spreadsheet(client, informer, place_a, december):
    client.force_login(informer)
    response = client.get(
        reverse("assessments:register-csv", args=[place_a.pk]), {"mois": "2026-12"}
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body[1:]), delimiter=";"))
    assert rows[0][:3] == ["date", "heure", "motif"]
    assert rows[1] == [
        "01/12/2026",
        "00:30",
        "CAF",
        "Nogent-le-Rotrou",
        "18 – 21 ans",
        "20",
        "non",
    ]
    assert len(rows) == 4


@pytest.mark.parametrize(
    "month", ["2026-13", "décembre", "2026-1-1", "99999-01", "1800-01"]
)
def test_an_unreadable_month_is_a_clear_refusal(client, informer, place_a, month):
    client.force_login(informer)
    for name in ("assessments:register-summary", "assessments:register-csv"):
        response = client.get(reverse(name, args=[place_a.pk]), {"mois": month})
        assert response.status_code == 400
        assert "Le mois s'écrit sous la forme 2026-12" in page_text(response)


def test_an_informer_reads_only_their_places_registers(client, informer, place_a):
    elsewhere = help_place("Ailleurs")
    same_epci = help_place("Voisin", epci=place_a.epci)
    client.force_login(informer)
    for place in (elsewhere, same_epci):
        for name in ("assessments:register-summary", "assessments:register-csv"):
            assert client.get(reverse(name, args=[place.pk])).status_code == 404


def test_coordinators_read_their_epcis_registers(client, place_a):
    coordinator = RoleMembershipFactory(role=Role.COORDINATOR, epci=place_a.epci).user
    other = RoleMembershipFactory(role=Role.COORDINATOR).user
    url = reverse("assessments:register-summary", args=[place_a.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    assert url in page_text(client.get("/espace/"))
    client.force_login(other)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200
