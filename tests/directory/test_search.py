import math
import re
from datetime import datetime

import pytest
from django.urls import reverse

from directory import geo
from directory.models import HelpPlace
from directory.selectors import (
    help_place_bbox_queryset,
    help_place_search,
    hours_summary,
    hours_week,
)
from directory.standard import TIMEZONE
from directory.templatetags.directory_tags import distance
from territories.models import Commune
from tests.directory.places import place
from tests.factories import LearnerProfileFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

# Wednesday 14 July 2027: Fête nationale, a public holiday.
HOLIDAY = datetime(2027, 7, 14, 10, 0, tzinfo=TIMEZONE)
THURSDAY = datetime(2027, 7, 15, 10, 0, tzinfo=TIMEZONE)
SATURDAY = datetime(2027, 7, 17, 10, 0, tzinfo=TIMEZONE)
SENONCHES_PIJ = "demo-pij-espace-jeunes-senonches"
SENONCHES_FS = "demo-france-services-senonches"


def search(origin: Commune, **kwargs) -> list[HelpPlace]:
    kwargs.setdefault("radius_km", 30)
    kwargs.setdefault("now", THURSDAY)
    return help_place_search(
        origin_lat=origin.latitude, origin_lon=origin.longitude, **kwargs
    )


def ids(places) -> list[str]:
    return [p.standard_id for p in places]


# Geometry -----------------------------------------------------------------------


def test_haversine_known_distances():
    assert geo.haversine_km(48.0, 1.0, 48.0, 1.0) == 0
    # One degree of latitude along a meridian: 2πR/360.
    assert geo.haversine_km(0, 0, 1, 0) == pytest.approx(111.195, abs=0.001)
    # Paris (Notre-Dame) → Lyon (Bellecour): about 392 km.
    assert geo.haversine_km(48.8530, 2.3499, 45.7578, 4.8320) == pytest.approx(
        392, abs=2
    )


def test_bounding_box_is_tight_around_the_circle():
    lat, lon, radius = 48.32, 0.82, 10
    box = geo.bounding_box(lat, lon, radius)
    # The box's edges are the circle's extreme points: just inside, just outside.
    north, east = box.max_lat - lat, box.max_lon - lon
    assert geo.haversine_km(lat, lon, lat + north, lon) == pytest.approx(radius)
    for point in [(lat + north * 0.999, lon), (lat - north * 0.999, lon)]:
        assert geo.haversine_km(lat, lon, *point) < radius
        assert box.contains(*point)
    # The farthest east the circle reaches (slightly north of `lat`) is in the box.
    farthest = max(
        (lat + step / 1000, lon + east * 0.9999)
        for step in range(-20, 21)
        if geo.haversine_km(lat, lon, lat + step / 1000, lon + east * 0.9999) <= radius
    )
    assert box.contains(*farthest)
    assert geo.haversine_km(lat, lon, lat + 0.001, lon + east * 1.001) > radius
    assert not box.contains(lat, lon + east * 1.001)
    # The common shortcut would miss a point 9.99 km due east.
    shortcut = radius / (111.32 * math.cos(math.radians(lat)))
    point = (lat, lon + shortcut * 1.0005)
    assert geo.haversine_km(lat, lon, *point) < radius
    assert box.contains(*point)


def test_bounding_box_near_a_pole_spans_every_longitude():
    box = geo.bounding_box(89.99, 10, 5)
    assert (box.min_lon, box.max_lon) == (-170, 190)
    assert box.max_lat == 90


# Distance on the real communes ---------------------------------------------------


def test_nogent_to_senonches_is_30_8_km(demo, nogent):
    senonches = demo[SENONCHES_PIJ]
    assert senonches.coordinates_source == HelpPlace.CoordinatesSource.COMMUNE
    assert geo.haversine_km(
        nogent.latitude, nogent.longitude, senonches.latitude, senonches.longitude
    ) == pytest.approx(30.8, abs=0.05)

    assert SENONCHES_PIJ in ids(search(nogent, radius_km=31))

    # The 30 km box holds Senonches (a square is wider than its circle) ...
    boxed = help_place_bbox_queryset(
        origin_lat=nogent.latitude, origin_lon=nogent.longitude, radius_km=30
    )
    assert boxed.filter(standard_id=SENONCHES_PIJ).exists()
    # ... but the exact distance leaves it out.
    assert SENONCHES_PIJ not in ids(search(nogent, radius_km=30))


def test_results_are_sorted_by_distance_and_carry_it(demo, nogent):
    places = search(nogent, radius_km=100)
    distances = [p.distance_km for p in places]
    assert distances == sorted(distances)
    assert len(places) == len(demo)  # the Orne and the Sarthe too
    assert places[0].commune_nom == "Nogent-le-Rotrou"
    assert places[0].distance_km == pytest.approx(0)
    assert {p.commune.departement for p in places} == {"28", "61", "72"}


def test_limit(demo, nogent):
    assert len(search(nogent, radius_km=100, limit=3)) == 3


# Filters ------------------------------------------------------------------------


def test_filter_services(demo, nogent):
    found = search(
        nogent, radius_km=31, services=["Aide aux démarches administratives"]
    )
    assert found
    assert all("Aide aux démarches administratives" in p.services for p in found)
    assert SENONCHES_FS in ids(found)
    assert SENONCHES_PIJ not in ids(found)


def test_filter_publics(demo, nogent):
    found = search(nogent, radius_km=31, publics=["Jeunes"])
    assert set(ids(found)) == {
        "demo-pij-cc-perche",
        "demo-mission-locale-nogent",
        SENONCHES_PIJ,
    }
    both = search(
        nogent,
        radius_km=31,
        publics=["Jeunes"],
        services=["Aide aux démarches administratives"],
    )
    assert ids(both) == ["demo-mission-locale-nogent"]


def test_filter_free(nogent):
    place(nogent, "gratuit", frais_a_charge=["Gratuit"])
    place(nogent, "sous-condition", frais_a_charge=["Gratuit sous condition"])
    place(nogent, "payant", frais_a_charge=["Payant"])
    place(nogent, "inconnu")
    assert ids(search(nogent, free_only=True)) == ["gratuit"]
    assert len(search(nogent)) == 4


def test_filter_open_now_with_a_public_holiday(nogent):
    place(nogent, "semaine", horaires="Mo-Fr 09:00-18:00; PH off")
    place(nogent, "tous-les-jours", horaires="Mo-Su 08:30-18:30")
    place(nogent, "sans-horaires")
    assert ids(search(nogent, open_now=True, now=THURSDAY)) == [
        "semaine",
        "tous-les-jours",
    ]
    assert ids(search(nogent, open_now=True, now=HOLIDAY)) == ["tous-les-jours"]
    assert ids(search(nogent, open_now=True, now=SATURDAY)) == ["tous-les-jours"]
    evening = datetime(2027, 7, 15, 18, 15, tzinfo=TIMEZONE)
    assert ids(search(nogent, open_now=True, now=evening)) == ["tous-les-jours"]


def test_filter_open_on_saturday(nogent):
    place(nogent, "semaine", horaires="Mo-Fr 09:00-18:00; PH off")
    place(nogent, "samedi-matin", horaires="Mo-Fr 09:00-12:00; Sa 09:00-12:00")
    place(nogent, "sans-horaires")
    for now in (THURSDAY, SATURDAY, HOLIDAY):
        assert ids(search(nogent, open_saturday=True, now=now)) == ["samedi-matin"]


def test_filters_combine(demo, nogent):
    found = search(
        nogent,
        radius_km=31,
        publics=["Jeunes"],
        free_only=True,
        open_now=True,
        now=THURSDAY,
    )
    assert ids(found) == [SENONCHES_PIJ]


# Hours in French ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("horaires", "now", "expected"),
    [
        ("Mo-Fr 09:00-18:30", THURSDAY, "Ouvert — ferme à 18 h 30"),
        ("Mo-Fr 09:00-18:00; PH off", SATURDAY, "Fermé — ouvre lundi à 9 h"),
        ("Mo-Fr 09:00-18:00; PH off", HOLIDAY, "Fermé — ouvre demain à 9 h"),
        (
            "Mo-Fr 09:00-12:00,14:00-18:00",
            datetime(2027, 7, 15, 12, 30, tzinfo=TIMEZONE),
            "Fermé — ouvre à 14 h",
        ),
        ("Mo-Sa 08:00-24:00", THURSDAY, "Ouvert — ferme à minuit"),
        ("24/7", THURSDAY, "Ouvert — 24 h sur 24"),
        ("", THURSDAY, "Horaires à confirmer"),
    ],
)
def test_hours_summary(horaires, now, expected):
    assert hours_summary(HelpPlace(horaires=horaires), now) == expected


def test_hours_week_shows_the_holiday():
    week = hours_week(
        HelpPlace(horaires="Mo-Fr 09:00-12:00,14:00-18:00; PH off"), HOLIDAY
    )
    assert [(day.label, day.text) for day in week[:4]] == [
        ("mercredi 14 juillet", "fermé"),
        ("jeudi 15 juillet", "9 h – 12 h, 14 h – 18 h"),
        ("vendredi 16 juillet", "9 h – 12 h, 14 h – 18 h"),
        ("samedi 17 juillet", "fermé"),
    ]
    assert hours_week(HelpPlace(horaires=""), HOLIDAY) == []
    first = hours_week(
        HelpPlace(horaires="24/7"), datetime(2027, 7, 1, tzinfo=TIMEZONE)
    )
    assert (first[0].label, first[0].text) == ("jeudi 1er juillet", "24 h sur 24")


@pytest.mark.parametrize(
    ("km", "text"),
    [
        (0.4, "à moins de 1 km"),
        (4.24, "à 4,2 km"),
        (9.97, "à 10 km"),
        (12.4, "à 12 km"),
    ],
)
def test_distance_wording(km, text):
    assert distance(km) == text


# Pages --------------------------------------------------------------------------

SEARCH_URL = reverse("directory:search")


def test_search_page_without_query(client, site):
    response = client.get(SEARCH_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Trouver de l'aide près de chez toi" in html
    assert 'role="alert"' not in html
    assert '<option value="20" selected>' in html
    assert "Trouver de l'aide</a>" in html  # in the main menu


def test_search_page_lists_places_with_distance_and_hours(client, site, demo):
    response = client.get(SEARCH_URL, {"q": "Nogent-le-Rotrou", "rayon": "30"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "de Nogent-le-Rotrou" in html
    assert "Maison du Tertre" in html
    assert "à moins de 1 km" in html
    assert "Senonches" not in html  # 30.8 km
    assert "Horaires à confirmer" in html
    detail = reverse("directory:place-detail", args=[demo["demo-cbe-nogent"].pk])
    assert f'href="{detail}"' in html

    response = client.get(
        SEARCH_URL,
        {"q": "Nogent-le-Rotrou", "rayon": "5", "demarches": "on", "jeunes": "on"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Mission Locale" in html
    assert "Maison du Tertre" not in html

    response = client.get(
        SEARCH_URL,
        {"q": "Nogent-le-Rotrou", "demarches": "on", "jeunes": "on", "gratuit": "on"},
    )
    assert response.status_code == 200
    assert "Aucun lieu ne correspond" in response.content.decode()


def test_search_page_filters(client, site, demo):
    response = client.get(SEARCH_URL, {"q": "Senonches", "rayon": "5", "gratuit": "on"})
    html = response.content.decode()
    assert "France Services Senonches" in html
    assert "Espace Jeunes Senonches" in html
    response = client.get(
        SEARCH_URL, {"q": "Senonches", "rayon": "5", "demarches": "on"}
    )
    html = response.content.decode()
    assert "France Services Senonches" in html
    assert "Espace Jeunes Senonches" not in html


def test_ambiguous_commune_offers_a_choice(client, site, perche):
    response = client.get(SEARCH_URL, {"q": "28400"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Quelle commune ?" in html
    assert 'type="radio"' in html
    assert 'value="28280"' in html

    response = client.get(SEARCH_URL, {"q": "28400", "commune": "28280"})
    assert response.status_code == 200
    assert "de Nogent-le-Rotrou" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": "Trifouillis-les-Oies"}, "Nous ne trouvons pas de commune"),
        ({"q": "Nogent-le-Rotrou", "rayon": "31"}, "Choisis une distance"),
        ({"q": "Nogent-le-Rotrou", "rayon": "abc"}, "Choisis une distance"),
        ({"rayon": "10"}, "Indique une commune"),
        ({"q": "x" * 500}, "120 caractères"),
    ],
)
def test_search_page_bad_input_is_a_400_in_french(
    client, site, perche, params, message
):
    response = client.get(SEARCH_URL, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert message in html


def test_search_page_defaults_to_the_learners_commune(client, site, demo, nogent):
    profile = LearnerProfileFactory(commune=nogent)
    client.force_login(profile.user)
    response = client.get(SEARCH_URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "lieux à moins de 20 km de Nogent-le-Rotrou" in html
    assert "Maison du Tertre" in html


def test_search_page_query_count_does_not_grow(
    client, site, demo, nogent, django_assert_max_num_queries
):
    params = {"q": "Nogent-le-Rotrou", "rayon": "30", "ouvert": "on"}
    client.get(SEARCH_URL, params)  # warm caches (site, pages)
    with django_assert_max_num_queries(12) as few:
        client.get(SEARCH_URL, params)
    for index in range(20):
        place(nogent, f"plus-{index}", horaires="Mo-Su 00:00-24:00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(SEARCH_URL, params)
    assert response.content.decode().count("Ouvert — ") >= 20


def test_place_page(client, site, demo):
    pij = demo[SENONCHES_PIJ]
    response = client.get(reverse("directory:place-detail", args=[pij.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert pij.nom in html
    assert "du lundi au vendredi de 9 h à 18 h" in html
    assert "Accès internet et matériel informatique" in html
    assert "Se présenter" in html
    assert "Jeunes" in html
    assert "Position approximative" in html
    assert "Coordonnées à confirmer" in html
    assert "Accessibilité" in html
    assert "Ouvert — " in html or "Fermé — " in html


def test_place_page_shows_contacts_and_distance_for_a_learner(
    client, site, demo, nogent
):
    pij = demo[SENONCHES_PIJ]
    pij.telephone = "0237000000"
    pij.courriels = ["pij@example.org"]
    pij.site_web = ["https://pij.example.org", "javascript:alert(1)"]
    pij.save()
    client.force_login(LearnerProfileFactory(commune=nogent).user)
    html = client.get(reverse("directory:place-detail", args=[pij.pk])).content.decode()
    assert 'href="tel:0237000000"' in html
    assert 'href="mailto:pij@example.org"' in html
    assert 'href="https://pij.example.org"' in html
    assert 'href="javascript:' not in html
    assert "à 31 km de Nogent-le-Rotrou" in html


def test_place_page_links_only_web_addresses_and_real_emails(client, site, demo):
    """A row stored before the import refused them: shown as text, never linked."""
    pij = demo[SENONCHES_PIJ]
    pij.site_web = ["data:text/html,<script>alert(1)</script>", "JavaScript:alert(1)"]
    pij.prise_rdv = "javascript:alert(2)"
    pij.fiche_acces_libre = "vbscript:msgbox(1)"
    pij.courriels = ["javascript:alert(3)//@example.org"]
    pij.save()
    html = client.get(reverse("directory:place-detail", args=[pij.pk])).content.decode()
    assert "JavaScript:alert(1)" in html
    assert "javascript:alert(2)" in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert not [href for href in hrefs if "script:" in href.lower()]
    assert not [href for href in hrefs if href.startswith(("data:", "mailto:"))]
    assert "Fiche Accès libre" not in html


def test_place_page_unknown_is_404(client, site, db):
    assert (
        client.get(reverse("directory:place-detail", args=[999999])).status_code == 404
    )


def test_user_without_profile_searches_like_a_visitor(client, site, perche):
    client.force_login(UserFactory())
    response = client.get(SEARCH_URL)
    assert response.status_code == 200
    assert "lieux à moins de" not in response.content.decode()


def test_open_now_says_how_many_places_with_unknown_hours_it_leaves_out(client, reims):
    place(reims, "ouvert", nom="Lieu toujours ouvert", horaires="24/7")
    place(reims, "inconnu-1", nom="Premier lieu sans horaires", horaires="")
    place(reims, "inconnu-2", nom="Second lieu sans horaires", horaires="")
    response = client.get(SEARCH_URL, {"q": "Reims", "ouvert": "on"})
    text = page_text(response)
    assert "1 lieu à moins de 20 km de Reims" in text
    assert "2 lieux aux horaires inconnus ne sont pas affichés" in text
    assert "Premier lieu sans horaires" not in text
    link = re.search(r'href="([^"]*horaires_inconnus=1[^"]*)"', text)
    assert link is not None

    # The link keeps the search and its filters, and shows them too.
    response = client.get(SEARCH_URL + link[1].split("#")[0].replace("&amp;", "&"))
    text = page_text(response)
    assert "3 lieux à moins de 20 km de Reims" in text
    assert "Premier lieu sans horaires" in text
    assert "Second lieu sans horaires" in text
    assert "ne sont pas affichés" not in text
    assert re.search(r'<input[^>]*name="ouvert"[^>]*checked', text)


def test_open_now_with_every_hour_known_says_nothing_more(client, reims):
    place(reims, "ouvert", horaires="24/7")
    text = page_text(client.get(SEARCH_URL, {"q": "Reims", "ouvert": "on"}))
    assert "horaires inconnus" not in text


def test_place_page_shows_its_usual_hours_in_words(client, reims):
    shown = place(reims, "horaires", horaires="Mo-Su 08:30-18:30")
    text = page_text(client.get(reverse("directory:place-detail", args=[shown.pk])))
    assert "En temps normal : tous les jours de 8 h 30 à 18 h 30." in text
    assert "Mo-Su" not in text
