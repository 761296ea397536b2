"""Directory benchmark: the search for help places with 35,000 places (about one
per commune of France), against PostgreSQL. Run with `make bench` or
`.venv/bin/python tests/bench/bench_directory.py` (figures go to the README by hand).

- 151 places at the town halls of the real Perche communes, and 34,849 random
  points in a coarse outline of mainland France and Corsica (about 552,000 km²),
  outside the Perche: about one place per 16 km², the density of communes.
- `help_place_search` at 10 and 30 km from Nogent-le-Rotrou and two other origins,
  with and without « ouvert maintenant »: median and 95th percentile of 200 runs,
  rows fetched by the bounding box, rows inside the circle, rows returned.
- `help_places_nearest` (the three nearest places helping with procedures).
- The page `/aide/?q=Nogent-le-Rotrou&rayon=30` through Django's test client.
- EXPLAIN of the bounding box, then the same searches without the index.
"""

import math
import random
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tests.bench.database import bench_django

BENCH_DB = bench_django("majorite_prete_bench_directory")

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from curriculum.services import site_setup
from directory.models import HelpPlace
from directory.selectors import (
    help_place_bbox_queryset,
    help_place_search,
    help_places_nearest,
)
from directory.standard import TIMEZONE
from territories.models import Commune
from territories.services import communes_import

PLACES = 35_000
REPEAT = 200
HTTP_REPEAT = 100
# Thursday 26 November 2026, 10:30 in Paris: most places with hours are open.
NOW = datetime(2026, 11, 26, 10, 30, tzinfo=TIMEZONE)
ADMINISTRATIVE_HELP = "Aide aux démarches administratives"

# Coarse outlines (latitude, longitude), enough to keep points off the sea and out
# of the neighbouring countries.
MAINLAND = [
    (51.08, 2.55), (50.72, 3.20), (50.33, 4.10), (49.97, 4.15), (50.15, 4.85),
    (49.55, 5.80), (49.45, 6.40), (49.12, 7.00), (49.05, 8.20), (48.58, 7.80),
    (47.59, 7.58), (47.45, 7.00), (46.90, 6.45), (46.40, 6.10), (46.20, 6.80),
    (45.90, 7.00), (45.10, 7.10), (44.40, 6.90), (43.78, 7.50), (43.55, 7.00),
    (43.10, 6.20), (43.30, 5.30), (43.40, 4.60), (43.50, 3.90), (43.20, 3.20),
    (42.50, 3.15), (42.45, 2.50), (42.60, 1.80), (42.70, 0.70), (42.85, 0.00),
    (42.80, -0.70), (43.05, -1.40), (43.35, -1.80), (43.50, -1.50), (44.60, -1.25),
    (45.60, -1.25), (46.20, -1.20), (46.70, -2.00), (47.25, -2.20), (47.50, -3.00),
    (47.70, -3.60), (47.80, -4.30), (48.00, -4.70), (48.40, -4.80), (48.65, -4.55),
    (48.75, -3.50), (48.60, -2.60), (48.65, -1.50), (48.80, -1.60), (49.70, -1.90),
    (49.65, -1.25), (49.35, -0.90), (49.30, -0.20), (49.45, 0.10), (49.90, 0.60),
    (50.10, 1.50), (50.70, 1.60), (50.95, 1.85),
]  # fmt: skip
CORSICA = [
    (43.00, 9.45), (42.55, 9.55), (41.40, 9.25), (41.60, 8.80), (42.40, 8.60),
    (42.95, 9.35),
]  # fmt: skip
SERVICES = [
    "Maîtrise des outils numériques du quotidien",
    "Insertion professionnelle via le numérique",
    "Utilisation sécurisée du numérique",
    "Parentalité et éducation avec le numérique",
    "Loisirs et créations numériques",
    "Compréhension du monde numérique",
    "Accès internet et matériel informatique",
    "Acquisition de matériel informatique à prix solidaire",
]
HOURS = [
    "",
    "",
    "Mo-Fr 09:00-12:00,14:00-17:30",
    "Mo-Fr 08:30-12:00,13:30-17:00; PH off",
    "Tu-Sa 09:00-12:30",
    "Mo,We,Fr 14:00-18:00",
    "Mo-Th 09:00-12:00,13:30-17:30; Fr 09:00-12:00; PH off",
    "Mo-Su 08:30-18:30",
    "Mo-Fr 09:00-18:00; Sa 09:00-12:00; PH off",
    "We 13:30-18:00; Sa 10:00-12:00,14:00-17:00",
]
FEES = [["Gratuit"], ["Gratuit"], ["Gratuit"], ["Gratuit sous condition"], ["Payant"]]


def inside(lat: float, lon: float, polygon) -> bool:
    """Ray casting."""
    result = False
    for (lat1, lon1), (lat2, lon2) in zip(
        polygon, polygon[1:] + polygon[:1], strict=True
    ):
        if (lon1 > lon) != (lon2 > lon):
            crossing = lat1 + (lon - lon1) * (lat2 - lat1) / (lon2 - lon1)
            if lat < crossing:
                result = not result
    return result


SIN_SOUTH, SIN_NORTH = math.sin(math.radians(41.3)), math.sin(math.radians(51.1))


def random_points(count: int, rng: random.Random, avoid) -> list[tuple[float, float]]:
    points = []
    while len(points) < count:
        # Uniform over the sphere's area, not over degrees of latitude.
        lat = math.degrees(math.asin(rng.uniform(SIN_SOUTH, SIN_NORTH)))
        lon = rng.uniform(-4.8, 9.6)
        if avoid[0] <= lat <= avoid[1] and avoid[2] <= lon <= avoid[3]:
            continue
        if inside(lat, lon, MAINLAND) or inside(lat, lon, CORSICA):
            points.append((round(lat, 5), round(lon, 5)))
    return points


def new_place(n: int, rng: random.Random, lat: float, lon: float, commune=None):
    services = rng.sample(SERVICES, rng.randint(1, 3))
    if rng.random() < 0.4:
        services.insert(0, ADMINISTRATIVE_HELP)
    return HelpPlace(
        standard_id=f"bench-{n}",
        pivot="00000000000000",
        nom=f"Lieu d'aide n°{n}",
        commune_nom=commune.name if commune else f"Commune {n}",
        code_postal=commune.main_postcode if commune else "00000",
        code_insee=commune.insee_code if commune else "",
        adresse=f"{n} place de la Mairie",
        latitude=lat,
        longitude=lon,
        telephone=f"+332{n:08d}",
        horaires=rng.choice(HOURS),
        date_maj=date(2026, 11, 2),
        services=services,
        publics_specifiquement_adresses=["Jeunes"] if rng.random() < 0.2 else [],
        frais_a_charge=rng.choice(FEES),
        modalites_acces=["Se présenter"],
        commune=commune,
        coordinates_source=HelpPlace.CoordinatesSource.PLACE,
    )


def load() -> None:
    rng = random.Random(26112026)
    communes_import(data=(ROOT / "territories/data/communes-perche.csv").read_bytes())
    perche = list(Commune.objects.order_by("insee_code"))
    box = (
        min(c.latitude for c in perche),
        max(c.latitude for c in perche),
        min(c.longitude for c in perche),
        max(c.longitude for c in perche),
    )
    places = [
        new_place(n, rng, c.latitude, c.longitude, c) for n, c in enumerate(perche)
    ]
    for lat, lon in random_points(PLACES - len(places), rng, box):
        places.append(new_place(len(places), rng, lat, lon))
    HelpPlace.objects.bulk_create(places, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(run, repeat: int = REPEAT) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds, after a few warm-up runs."""
    for _ in range(5):
        run()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), statistics.quantiles(timings, n=20)[18]


def fr(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",")


def explain(lat: float, lon: float, radius_km: float) -> str:
    sql, params = help_place_bbox_queryset(
        origin_lat=lat, origin_lon=lon, radius_km=radius_km
    ).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def search_rows(origins) -> list[tuple]:
    rows = []
    for name, lat, lon in origins:
        for radius in (10, 30):
            for open_now in (False, True):

                def run(lat=lat, lon=lon, radius=radius, open_now=open_now):
                    return help_place_search(
                        origin_lat=lat,
                        origin_lon=lon,
                        radius_km=radius,
                        open_now=open_now,
                        now=NOW,
                    )

                boxed = help_place_bbox_queryset(
                    origin_lat=lat, origin_lon=lon, radius_km=radius
                ).count()
                in_circle = len(
                    help_place_search(
                        origin_lat=lat,
                        origin_lon=lon,
                        radius_km=radius,
                        open_now=open_now,
                        now=NOW,
                        limit=10**6,
                    )
                )
                returned = len(run())
                median, p95 = timed(run)
                rows.append(
                    (name, radius, open_now, boxed, in_circle, returned, median, p95)
                )
                print(
                    f"  {name} {radius} km {'ouvert ' if open_now else ''}"
                    f"{median:.2f} ms",
                    flush=True,
                )
    return rows


def print_search_table(rows) -> None:
    print(
        "| origine | rayon | « ouvert maintenant » | lignes du rectangle "
        "| dans le cercle | renvoyées | médiane | p95 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, radius, open_now, boxed, in_circle, returned, median, p95 in rows:
        print(
            f"| {name} | {radius} km | {'oui' if open_now else 'non'} | {boxed} "
            f"| {in_circle} | {returned} | {fr(median)} ms | {fr(p95)} ms |"
        )


def main() -> None:
    started = time.perf_counter()
    load()
    site_setup()
    print(
        f"{HelpPlace.objects.count()} lieux en base en "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    nogent = Commune.objects.get(insee_code="28280")
    origins = [
        ("Nogent-le-Rotrou", nogent.latitude, nogent.longitude),
        ("Lyon (densité moyenne)", 45.7640, 4.8357),
        ("Brest (en bord de mer)", 48.3904, -4.4861),
    ]

    plan = explain(nogent.latitude, nogent.longitude, 30)
    print("EXPLAIN du rectangle de 30 km autour de Nogent-le-Rotrou :")
    print(plan)
    rows = search_rows(origins)

    def nearest():
        return help_places_nearest(commune=nogent, now=NOW)

    with CaptureQueriesContext(connection) as queries:
        found = nearest()
    nearest_queries = len(queries)  # read now: each request resets the log
    nearest_ms = timed(nearest)

    client = Client()
    pages = {}
    for label, params in (
        ("30 km", {"q": "Nogent-le-Rotrou", "rayon": "30"}),
        (
            "30 km, ouvert maintenant",
            {"q": "Nogent-le-Rotrou", "rayon": "30", "ouvert": "on"},
        ),
    ):
        response = client.get("/aide/", params)
        assert response.status_code == 200, response.status_code
        shown = response.content.decode().count('class="procedure-card"')
        pages[label] = (
            shown,
            *timed(lambda p=params: client.get("/aide/", p), HTTP_REPEAT),
        )

    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX help_place_lat_lon")
        cursor.execute("ANALYZE directory_helpplace")
    plan_without = explain(nogent.latitude, nogent.longitude, 30)
    without = {
        radius: timed(
            lambda r=radius: help_place_search(
                origin_lat=nogent.latitude,
                origin_lon=nogent.longitude,
                radius_km=r,
                now=NOW,
            )
        )
        for radius in (10, 30)
    }

    print()
    print(f"## Recherche dans l'annuaire, {HelpPlace.objects.count()} lieux")
    print()
    print_search_table(rows)
    print()
    print(
        f"3 lieux d'aide aux démarches les plus proches de Nogent-le-Rotrou : "
        f"{fr(nearest_ms[0])} ms (médiane), {fr(nearest_ms[1])} ms (p95), "
        f"{nearest_queries} requête(s), le 3e à {fr(found[-1].distance_km)} km"
    )
    for label, (shown, median, p95) in pages.items():
        print(
            f"page /aide/ Nogent-le-Rotrou {label} : {shown} lieux affichés, "
            f"{fr(median)} ms (médiane), {fr(p95)} ms (p95), {HTTP_REPEAT} requêtes"
        )
    print()
    print("Sans l'index (latitude, longitude) :")
    print(plan_without)
    for radius, (median, p95) in without.items():
        print(
            f"  Nogent-le-Rotrou {radius} km : {fr(median)} ms (médiane), "
            f"{fr(p95)} ms (p95)"
        )


if __name__ == "__main__":
    main()
