"""The three nearest places helping with procedures: on module pages, in « Mon
parcours » and on a failed quiz's result."""

import random
from datetime import datetime, timedelta
from functools import partial

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments import services as assessments_services
from curriculum.models import ModulePage
from demo.content import curriculum_load
from directory.models import HelpPlace
from directory.selectors import ADMINISTRATIVE_HELP, help_places_nearest
from directory.services import help_places_import
from directory.standard import TIMEZONE
from territories.models import Commune
from tests.assessments.conftest import answers_for
from tests.assessments.test_views import QUERY_CAPS
from tests.directory import places
from tests.directory.places import DEMO_CSV
from tests.factories import LearnerProfileFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

THURSDAY = datetime(2027, 7, 15, 10, 0, tzinfo=TIMEZONE)
SEARCH_URL = reverse("directory:search")
# Nogent-le-Rotrou's nearest places helping with procedures in the demo file: two
# in Nogent itself (0 km), then France Services Authon-du-Perche at 15.1 km.
NOGENT_NEAREST = [
    "demo-maison-du-tertre-nogent",
    "demo-mission-locale-nogent",
    "demo-france-services-authon-du-perche",
]
MODULE_TEXT = (
    "Un point Info Jeunes ou une France Services t'aide à comparer les banques"
)
KIND_WORDS = "Pas de panique : tu peux aussi te faire aider."


@pytest.fixture
def demo(perche):
    help_places_import(data=DEMO_CSV.read_bytes())
    places = {place.standard_id: place for place in HelpPlace.objects.all()}
    tertre = places["demo-maison-du-tertre-nogent"]
    tertre.horaires = "24/7"
    tertre.telephone = "0237520000"
    tertre.save()
    return places


@pytest.fixture
def module(site):
    """The demo module « compte bancaire », with its « trouver de l'aide » grain."""
    curriculum_load(home=site, now=timezone.now() - timedelta(hours=1))
    return ModulePage.objects.get(slug="compte-bancaire")


@pytest.fixture
def learner(nogent):
    return LearnerProfileFactory(commune=nogent).user


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


# Places near the learner that help with procedures, unless told otherwise.
place = partial(places.place, services=[ADMINISTRATIVE_HELP])


def ids(places) -> list[str]:
    return [p.standard_id for p in places]


def far_commune() -> Commune:
    """Toulouse: more than 500 km from every place of the demo file."""
    return Commune.objects.create(
        insee_code="31555",
        name="Toulouse",
        departement="31",
        postcodes="31000",
        latitude=43.6045,
        longitude=1.4440,
    )


# The selector -------------------------------------------------------------------


def test_nearest_from_nogent_on_real_communes(demo, nogent, django_assert_num_queries):
    # The third place is 15 km away: the 10 km circle is not enough, the 30 km one is.
    with django_assert_num_queries(2):
        found = help_places_nearest(commune=nogent, now=THURSDAY)
    assert ids(found) == NOGENT_NEAREST
    assert [round(p.distance_km, 1) for p in found] == [0, 0, 15.1]
    assert [p.hours_summary for p in found] == [
        "Ouvert — 24 h sur 24",
        "Horaires à confirmer",
        "Horaires à confirmer",
    ]


def test_only_places_helping_with_procedures(demo, nogent):
    # The PIJ and the CBE are in Nogent too, but offer no help with procedures.
    found = help_places_nearest(commune=nogent, limit=20)
    assert "demo-pij-cc-perche" not in ids(found)
    assert "demo-cbe-nogent" not in ids(found)
    assert "demo-pij-espace-jeunes-senonches" not in ids(found)
    assert len(found) == 8
    assert all(ADMINISTRATIVE_HELP in p.services for p in found)
    distances = [p.distance_km for p in found]
    assert distances == sorted(distances)


def test_at_most_three(demo, nogent):
    for index in range(5):
        place(nogent, f"nogent-{index}")
    found = help_places_nearest(commune=nogent)
    assert len(found) == 3
    assert all(p.distance_km == pytest.approx(0) for p in found)


def test_places_beyond_the_first_circles_are_found(
    demo, perche, django_assert_num_queries
):
    # Boissy-lès-Perche: the nearest is 17.5 km away, the third 31.2 km.
    boissy = Commune.objects.get(insee_code="28046")
    with django_assert_num_queries(3):
        found = help_places_nearest(commune=boissy)
    assert len(found) == 3
    assert found[0].distance_km == pytest.approx(17.5, abs=0.1)
    assert found[2].distance_km == pytest.approx(31.2, abs=0.1)
    assert all(p.distance_km > 10 for p in found)


def test_a_place_90_km_away_is_found_but_not_one_500_km_away(
    nogent, django_assert_num_queries
):
    toulouse = far_commune()
    # 0.8° of latitude north of Nogent: about 89 km.
    place(nogent, "nord", latitude=nogent.latitude + 0.8)
    place(nogent, "toulouse", latitude=toulouse.latitude, longitude=toulouse.longitude)
    with django_assert_num_queries(4):
        found = help_places_nearest(commune=nogent)
    assert ids(found) == ["nord"]
    assert found[0].distance_km == pytest.approx(89, abs=1)
    assert ids(help_places_nearest(commune=toulouse)) == ["toulouse"]


def test_nothing_near_and_no_commune(demo, django_assert_num_queries):
    toulouse = far_commune()
    with django_assert_num_queries(4):
        assert help_places_nearest(commune=toulouse) == []
    with django_assert_num_queries(0):
        assert help_places_nearest(commune=None) == []


def test_places_without_coordinates_are_left_out(nogent):
    place(nogent, "sans-coordonnees", latitude=None, longitude=None)
    place(nogent, "avec")
    assert ids(help_places_nearest(commune=nogent)) == ["avec"]


# The module page's « trouver de l'aide » block ----------------------------------


def test_block_for_a_learner_lists_the_three_nearest(learner_client, module, demo):
    response = learner_client.get(module.url)
    assert response.status_code == 200
    text = page_text(response)
    # The editor's title and text stay.
    assert "Trouver de l'aide près de chez toi" in text
    assert MODULE_TEXT in text
    for standard_id in NOGENT_NEAREST:
        detail = reverse("directory:place-detail", args=[demo[standard_id].pk])
        assert f'<a href="{detail}">{demo[standard_id].nom}</a>' in text
    assert "Maison du Tertre" in text
    assert "Nogent-le-Rotrou — à moins de 1 km" in text
    assert "Authon-du-Perche — à 15 km" in text
    assert "Ouvert — 24 h sur 24" in text
    assert 'Téléphone : <a href="tel:0237520000">0237520000</a>' in text
    assert f'<a href="{SEARCH_URL}">Voir tous les lieux près de chez toi</a>' in text
    # Neither a place without help with procedures nor a fourth one.
    assert "Comité Bassin Emploi" not in text
    assert "France Services La Ferté-Bernard" not in text
    assert "Indique ta commune" not in text


def test_block_for_a_visitor_offers_a_search_by_commune(client, module, demo):
    response = client.get(module.url)
    assert response.status_code == 200
    text = page_text(response)
    assert "Trouver de l'aide près de chez toi" in text
    assert MODULE_TEXT in text
    assert "Indique ta commune" in text
    assert f'<form method="get" action="{SEARCH_URL}"' in text
    assert '<label for="aide-commune">Ta commune</label>' in text
    assert 'name="q"' in text
    assert "Maison du Tertre" not in text
    # The form leads to the search around the commune typed.
    response = client.get(SEARCH_URL, {"q": "Nogent-le-Rotrou"})
    assert response.status_code == 200
    assert "lieux à moins de 20 km de Nogent-le-Rotrou" in page_text(response)


def test_block_for_a_user_without_profile_is_the_visitors(client, module, demo):
    client.force_login(UserFactory())
    text = page_text(client.get(module.url))
    assert "Indique ta commune" in text
    assert "Maison du Tertre" not in text


def test_block_with_no_place_near_the_learner(client, module, demo):
    client.force_login(LearnerProfileFactory(commune=far_commune()).user)
    text = page_text(client.get(module.url))
    assert (
        "Nous ne connaissons pas encore de lieu d'aide aux démarches près de Toulouse"
        in text
    )
    assert "Pas de panique" in text
    assert f'<a href="{SEARCH_URL}">Voir tous les lieux près de chez toi</a>' in text
    assert "Maison du Tertre" not in text


# « Mon parcours » ---------------------------------------------------------------


def test_dashboard_shows_the_nearest_places(learner_client, module, demo):
    response = learner_client.get(reverse("assessments:dashboard"))
    assert response.status_code == 200
    text = page_text(response)
    assert "Où trouver de l'aide près de chez toi" in text
    assert "Maison du Tertre" in text
    assert "Mission Locale – Nogent-le-Rotrou" in text
    assert "France Services Authon-du-Perche" in text
    assert "Authon-du-Perche — à 15 km" in text
    assert "Voir tous les lieux près de chez toi" in text


# The quiz's result --------------------------------------------------------------


def _graded(learner, module, *, right: bool):
    attempt = assessments_services.attempt_start(
        learner=learner, module=module, rng=random.Random(0)
    )
    assessments_services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt, right=right)
    )
    return reverse("assessments:attempt-result", args=[attempt.pk])


def test_failed_quiz_shows_the_nearest_places_kindly(
    learner_client, learner, module, demo
):
    response = learner_client.get(_graded(learner, module, right=False))
    assert response.status_code == 200
    text = page_text(response)
    assert KIND_WORDS in text
    assert "Voici les lieux les plus proches de chez toi." in text
    assert "Maison du Tertre" in text
    assert "Authon-du-Perche — à 15 km" in text
    assert "Voir tous les lieux près de chez toi" in text


def test_passed_quiz_does_not(learner_client, learner, module, demo):
    response = learner_client.get(_graded(learner, module, right=True))
    assert response.status_code == 200
    text = page_text(response)
    assert "acquise ✔" in text
    assert KIND_WORDS not in text
    assert "Maison du Tertre" not in text


# Query counts -------------------------------------------------------------------


@pytest.mark.parametrize("page", ["module", "dashboard"])
def test_query_count_does_not_grow_with_the_places(
    learner_client,
    nogent,
    module,
    page,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    url = module.url if page == "module" else reverse("assessments:dashboard")

    def add_places(first: int, count: int) -> None:
        # 0.8° of latitude north of Nogent, about 89 km: every circle is searched.
        for index in range(first, first + count):
            place(
                nogent,
                f"nord-{index}",
                nom=f"Relais {index:02d}",
                latitude=nogent.latitude + 0.8,
                horaires="24/7",
                telephone=f"02375200{index:02d}",
            )

    add_places(0, 1)
    learner_client.get(url)  # warm the site and content-type caches
    with django_assert_max_num_queries(QUERY_CAPS[page]) as one:
        response = learner_client.get(url)
    assert page_text(response).count("Ouvert — 24 h sur 24") == 1
    baseline = len(one)  # read now: each request resets the connection's log

    add_places(1, 2)
    with django_assert_num_queries(baseline):
        response = learner_client.get(url)
    assert page_text(response).count("Ouvert — 24 h sur 24") == 3

    add_places(3, 20)
    with django_assert_num_queries(baseline):
        response = learner_client.get(url)
    text = page_text(response)
    assert text.count("Ouvert — 24 h sur 24") == 3
    assert "Relais 02" in text
    assert "Relais 03" not in text


def test_visitor_block_runs_no_search(client, module, demo):
    client.get(module.url)  # warm the site and content-type caches
    with CaptureQueriesContext(connection) as queries:
        assert client.get(module.url).status_code == 200
    assert not any("directory_helpplace" in query["sql"] for query in queries)
