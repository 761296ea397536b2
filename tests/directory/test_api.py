"""The public JSON API for partners' sites, /api/v1/lieux/, and its OpenAPI."""

import jsonschema
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import reverse
from hypothesis import HealthCheck, settings

from directory import standard
from directory.models import HelpPlace
from directory.openapi import document
from tests.directory.places import place

pytestmark = pytest.mark.django_db

SEARCH = "/api/v1/lieux/"
OPENAPI = "/api/v1/openapi.json"
SENONCHES_PIJ = "demo-pij-espace-jeunes-senonches"
SENONCHES_FS = "demo-france-services-senonches"
PROCEDURES = "Aide aux démarches administratives"
INTERNET = "Accès internet et matériel informatique"
RADIUS_ERROR = (
    "Le rayon doit être un nombre de kilomètres entre 1 et 100 "
    "(par exemple 20 ou 12.5)."
)


def search(client, **params):
    response = client.get(SEARCH, params)
    assert response["Content-Type"] == "application/json"
    return response


def ids(response) -> list[str]:
    assert response.status_code == 200, response.json()
    return [item["id"] for item in response.json()["lieux"]]


def errors(response) -> dict[str, list[str]]:
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Paramètres refusés."
    return body["erreurs"]


# Results ------------------------------------------------------------------------


def test_search_by_name_postcode_or_insee_code(client, demo):
    by_name = search(client, commune="Nogent-le-Rotrou").json()
    assert by_name["commune"] == {
        "code_insee": "28280",
        "nom": "Nogent-le-Rotrou",
        "codes_postaux": ["28400"],
        "departement": "28",
        "latitude": pytest.approx(48.3216),
        "longitude": pytest.approx(0.82188),
    }
    assert by_name["rayon_km"] == 20  # the default
    assert by_name["limite"] == 50
    assert by_name["nombre"] == len(by_name["lieux"]) > 0
    assert by_name["resultats_tronques"] is False
    # Accents and hyphens are optional, as on the search page.
    assert search(client, commune="nogent le rotrou").json() == by_name
    by_code = search(client, code_insee="28280").json()
    assert by_code["commune"] == by_name["commune"]
    assert by_code["lieux"] == by_name["lieux"]
    # A postcode of a single commune (Frazé).
    assert search(client, commune="28160").json()["commune"]["code_insee"] == "28161"
    # The label the search page's suggestions use.
    label = search(client, commune="Rémalard en Perche (61110)").json()
    assert label["commune"]["code_insee"] == "61345"


def test_nogent_to_senonches_is_in_31_km_not_in_30(client, demo):
    found = search(client, code_insee="28280", rayon="31").json()
    senonches = next(item for item in found["lieux"] if item["id"] == SENONCHES_PIJ)
    assert senonches["distance_km"] == 30.8
    assert SENONCHES_PIJ not in ids(search(client, code_insee="28280", rayon="30"))
    # Any radius from 1 to 100 km, decimals too.
    assert SENONCHES_PIJ in ids(search(client, code_insee="28280", rayon="30.85"))
    assert SENONCHES_PIJ not in ids(search(client, code_insee="28280", rayon="30.75"))
    assert search(client, code_insee="28280", rayon="30.85").json()["rayon_km"] == 30.85


def test_results_sorted_by_distance_across_departements(client, demo):
    found = search(client, code_insee="28280", rayon="100").json()
    distances = [item["distance_km"] for item in found["lieux"]]
    assert distances == sorted(distances)
    assert distances[0] == 0
    assert found["nombre"] == len(demo)
    assert {item["code_postal"][:2] for item in found["lieux"]} == {"28", "61", "72"}


def test_place_fields_follow_the_standard(client, demo, nogent):
    tertre = place(
        nogent,
        "tertre",
        nom="Maison du Tertre",
        telephone="+33237520000",
        courriels=["accueil@example.org"],
        site_web=["https://tertre.example.org"],
        horaires="24/7",
        services=[PROCEDURES, INTERNET],
        frais_a_charge=["Gratuit"],
        modalites_acces=["Se présenter", "Téléphoner"],
    )
    found = search(client, code_insee="28280", rayon="31").json()["lieux"]
    item = next(item for item in found if item["id"] == "tertre")
    # Every column of the standard, under its own name.
    assert set(standard.column_names()) <= set(item)
    assert item["commune"] == "Nogent-le-Rotrou"
    assert item["code_postal"] == "28400"
    assert item["telephone"] == "+33237520000"
    assert item["courriels"] == ["accueil@example.org"]
    assert item["site_web"] == ["https://tertre.example.org"]
    assert item["services"] == [PROCEDURES, INTERNET]
    assert item["modalites_acces"] == ["Se présenter", "Téléphoner"]
    assert item["publics_specifiquement_adresses"] == []
    assert item["date_maj"] == "2026-11-02"
    assert item["latitude"] == pytest.approx(nogent.latitude)
    # What a partner's page shows.
    assert item["distance_km"] == 0
    assert item["ouvert_maintenant"] is True
    assert item["horaires_en_clair"] == "Ouvert — 24 h sur 24"
    assert item["coordonnees_approximatives"] is False
    detail = reverse("directory:place-detail", args=[tertre.pk])
    assert item["url"] == f"http://testserver{detail}"
    assert client.get(item["url"]).status_code == 200
    assert item["url_api"] == f"http://testserver/api/v1/lieux/{tertre.pk}/"
    # The public page's address and the API's agree.
    assert client.get(item["url_api"]).json() == {
        key: value for key, value in item.items() if key != "distance_km"
    }

    senonches = next(item for item in found if item["id"] == SENONCHES_PIJ)
    # No position in the file: the town hall's, and the API says so.
    assert senonches["coordonnees_approximatives"] is True
    assert senonches["ouvert_maintenant"] == senonches["horaires_en_clair"].startswith(
        "Ouvert"
    )


def test_only_web_addresses_and_real_emails_are_served(client, nogent):
    """A row stored before the import refused them: never a `javascript:` link for
    a partner's page to show."""
    stored = place(
        nogent,
        "lieu-ancien",
        site_web=[
            "javascript:alert(document.cookie)",
            "https://pij.example.org/",
            "data:text/html,<script>alert(1)</script>",
            "JavaScript:alert(1)",
            "ftp://ftp.example.org/",
        ],
        prise_rdv="javascript:alert(1)",
        fiche_acces_libre="vbscript:msgbox(1)",
        courriels=["pij@example.org", "javascript:alert(1)//@example.org"],
    )
    item = client.get(f"{SEARCH}{stored.pk}/").json()
    assert item["site_web"] == ["https://pij.example.org/"]
    assert item["prise_rdv"] == ""
    assert item["fiche_acces_libre"] == ""
    assert item["courriels"] == ["pij@example.org"]
    found = search(client, code_insee="28280").json()["lieux"]
    assert [entry["site_web"] for entry in found] == [["https://pij.example.org/"]]
    assert "script:" not in str(found)


def test_limit_and_truncation(client, demo):
    found = search(client, code_insee="28280", rayon="100", limite="3").json()
    assert found["nombre"] == 3
    assert found["limite"] == 3
    assert found["resultats_tronques"] is True
    everything = search(client, code_insee="28280", rayon="100", limite="100").json()
    assert everything["resultats_tronques"] is False
    assert [item["id"] for item in everything["lieux"][:3]] == [
        item["id"] for item in found["lieux"]
    ]


def test_no_place_found_is_an_empty_list(client, perche):
    found = search(client, commune="Senonches", rayon="1").json()
    assert found["nombre"] == 0
    assert found["lieux"] == []


# Filters ------------------------------------------------------------------------


def test_filter_services(client, demo):
    found = search(client, code_insee="28280", rayon="31", services=PROCEDURES)
    assert SENONCHES_FS in ids(found)
    assert SENONCHES_PIJ not in ids(found)
    assert all(PROCEDURES in item["services"] for item in found.json()["lieux"])
    assert found.json()["filtres"]["services"] == [PROCEDURES]
    # Several: places offering all of them.
    both = search(
        client, code_insee="28280", rayon="31", services=[PROCEDURES, INTERNET]
    )
    assert SENONCHES_FS in ids(both)
    assert set(ids(both)) < set(ids(found))
    assert all(
        {PROCEDURES, INTERNET} <= set(item["services"]) for item in both.json()["lieux"]
    )


def test_filter_publics(client, demo):
    found = search(client, code_insee="28280", rayon="31", publics="Jeunes")
    assert set(ids(found)) == {
        "demo-pij-cc-perche",
        "demo-mission-locale-nogent",
        SENONCHES_PIJ,
    }


def test_filter_free(client, nogent):
    place(nogent, "gratuit", frais_a_charge=["Gratuit"])
    place(nogent, "sous-condition", frais_a_charge=["Gratuit sous condition"])
    place(nogent, "payant", frais_a_charge=["Payant"])
    assert ids(search(client, code_insee="28280", gratuit="true")) == ["gratuit"]
    assert len(ids(search(client, code_insee="28280", gratuit="false"))) == 3


def test_filter_open_now(client, nogent):
    place(nogent, "toujours", horaires="24/7")
    place(nogent, "jamais", horaires="Mo-Su off")
    place(nogent, "sans-horaires")
    found = search(client, code_insee="28280", ouvert_maintenant="true")
    assert ids(found) == ["toujours"]
    assert found.json()["filtres"]["ouvert_maintenant"] is True
    everything = search(client, code_insee="28280").json()["lieux"]
    assert {item["id"]: item["ouvert_maintenant"] for item in everything} == {
        "toujours": True,
        "jamais": False,
        "sans-horaires": False,
    }
    assert {item["id"]: item["horaires_en_clair"] for item in everything} == {
        "toujours": "Ouvert — 24 h sur 24",
        "jamais": "Fermé",
        "sans-horaires": "Horaires à confirmer",
    }


def test_filter_open_on_saturday(client, nogent):
    place(nogent, "semaine", horaires="Mo-Fr 09:00-18:00")
    place(nogent, "samedi", horaires="Sa 00:00-24:00")
    place(nogent, "sans-horaires")
    assert ids(search(client, code_insee="28280", ouvert_samedi="true")) == ["samedi"]


def test_filters_combine(client, demo, nogent):
    place(nogent, "jeunes-gratuit-ouvert", horaires="24/7", frais_a_charge=["Gratuit"])
    place(
        nogent,
        "jeunes-gratuit-ouvert-demarches",
        horaires="24/7",
        frais_a_charge=["Gratuit"],
        publics_specifiquement_adresses=["Jeunes"],
        services=[PROCEDURES],
    )
    found = search(
        client,
        code_insee="28280",
        services=PROCEDURES,
        publics="Jeunes",
        gratuit="true",
        ouvert_maintenant="true",
    )
    assert ids(found) == ["jeunes-gratuit-ouvert-demarches"]


# Bad input ----------------------------------------------------------------------


def _case_id(params: dict) -> str:
    pairs = (f"{name[:12]}={value[:12]!r}" for name, value in params.items())
    return "&".join(pairs) or "aucun-parametre"


BAD_PARAMETERS = [
    ({"rayon": "0"}, "rayon", RADIUS_ERROR),
    ({"rayon": "101"}, "rayon", RADIUS_ERROR),
    ({"rayon": "100.01"}, "rayon", RADIUS_ERROR),
    ({"rayon": "abc"}, "rayon", RADIUS_ERROR),
    ({"rayon": "12,5"}, "rayon", RADIUS_ERROR),
    ({"rayon": "-5"}, "rayon", RADIUS_ERROR),
    ({"rayon": "nan"}, "rayon", RADIUS_ERROR),
    ({"rayon": "1e2"}, "rayon", RADIUS_ERROR),
    ({"rayon": ""}, "rayon", RADIUS_ERROR),
    ({"rayon": "٢٠"}, "rayon", RADIUS_ERROR),  # Arabic-Indic digits
    (
        {"limite": "0"},
        "limite",
        "La limite doit être un nombre entier entre 1 et 100.",
    ),
    (
        {"limite": "1" * 5000},
        "limite",
        "La limite doit être un nombre entier entre 1 et 100.",
    ),
    ({"gratuit": "oui"}, "gratuit", "Valeur attendue : true ou false."),
    ({"ouvert_maintenant": "1"}, "ouvert_maintenant", "Valeur attendue"),
    ({"ouvert_samedi": ""}, "ouvert_samedi", "Valeur attendue"),
    (
        {"services": "Aide"},
        "services",
        "« Aide » n'est pas un service du standard. Valeurs possibles : "
        "Aide aux démarches administratives ; ",
    ),
    (
        {"publics": "Adultes"},
        "publics",
        "« Adultes » n'est pas un public du standard. Valeurs possibles : Jeunes ;",
    ),
    ({"rayons": "10"}, "rayons", "Paramètre inconnu. Paramètres possibles : "),
    ({"x" * 100: "1"}, "x" * 39 + "…", "Paramètre inconnu."),
]


@pytest.mark.parametrize(
    ("params", "name", "message"),
    BAD_PARAMETERS,
    ids=[_case_id(params) for params, _name, _message in BAD_PARAMETERS],
)
def test_bad_parameter_is_a_400_in_french(client, perche, params, name, message):
    params = {"code_insee": "28280", **params}
    found = errors(search(client, **params))
    assert list(found) == [name]
    assert message in found[name][0]


BAD_COMMUNES = [
    (
        {"commune": "Trifouillis-les-Oies"},
        "commune",
        "Aucune commune connue ne correspond à « Trifouillis-les-Oies ».",
    ),
    ({"commune": "28280"}, "commune", "pour un code INSEE, utilisez le paramètre"),
    ({"commune": "  "}, "commune", "Indiquez une commune"),
    ({}, "commune", "Indiquez une commune"),
    ({"commune": "x" * 121}, "commune", "120 caractères au maximum."),
    ({"commune": "Nogent\x00"}, "commune", "Le caractère nul (U+0000)"),
    ({"commune": "\u202e\ufeff🏠"}, "commune", "Aucune commune connue"),
    ({"code_insee": "99999"}, "code_insee", "Aucune commune connue n'a le code"),
    ({"code_insee": "2828"}, "code_insee", "Un code INSEE compte 5 caractères"),
    ({"code_insee": "28280\n"}, "code_insee", "Un code INSEE compte 5"),
    ({"code_insee": "\x00"}, "code_insee", "Le caractère nul"),
    (
        {"commune": "Senonches", "code_insee": "28373"},
        "commune",
        "Indiquez soit commune, soit code_insee, pas les deux.",
    ),
]


@pytest.mark.parametrize(
    ("params", "name", "message"),
    BAD_COMMUNES,
    ids=[_case_id(params) for params, _name, _message in BAD_COMMUNES],
)
def test_bad_commune_is_a_400_in_french(client, perche, params, name, message):
    found = errors(search(client, **params))
    assert list(found) == [name]
    assert message in found[name][0]


def test_ambiguous_commune_lists_the_candidates(client, perche):
    body = search(client, commune="28400").json()
    assert (
        "Plusieurs communes correspondent à « 28400 »" in body["erreurs"]["commune"][0]
    )
    candidates = {c["code_insee"]: c["nom"] for c in body["communes_possibles"]}
    assert candidates["28280"] == "Nogent-le-Rotrou"
    assert candidates["28236"] == "Arcisses"
    assert all(c["codes_postaux"] == ["28400"] for c in body["communes_possibles"])
    # The partner then asks with the INSEE code.
    assert search(client, code_insee="28236").status_code == 200


def test_several_errors_at_once_and_repeated_parameters(client, perche):
    found = errors(
        client.get(
            f"{SEARCH}?code_insee=28280&rayon=5&rayon=10&limite=abc&gratuit=true"
            "&gratuit=true&services=Aide&services=Loisirs"
        )
    )
    assert found["rayon"] == [
        "Ce paramètre ne doit figurer qu'une fois dans l'adresse."
    ]
    assert found["gratuit"] == found["rayon"]
    assert found["limite"] == ["La limite doit être un nombre entier entre 1 et 100."]
    assert len(found["services"]) == 1  # the first unknown value
    assert set(found) == {"rayon", "gratuit", "limite", "services"}


def test_long_and_odd_query_strings_are_400_not_500(client, perche):
    for query in (
        "commune=" + "é" * 10_000,
        "commune=%FF%FE",  # not UTF-8
        "commune=%00",
        "code_insee=%00",
        "rayon=%00",
        "services=%00",
        "%00=1",
        "commune=Nogent&&&=",
        "commune=Nogent-le-Rotrou&commune=Senonches",
    ):
        response = client.get(f"{SEARCH}?{query}")
        assert response.status_code == 400, query
        assert response.json()["erreurs"], query


# HTTP ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "trace"])
def test_only_get_405_in_json(client, demo, method):
    for url in (SEARCH, f"{SEARCH}{demo[SENONCHES_PIJ].pk}/", OPENAPI):
        response = getattr(client, method)(url)
        assert response.status_code == 405
        assert response["Allow"] == "GET, HEAD, OPTIONS"
        assert response["Access-Control-Allow-Origin"] == "*"
        assert response.json()["erreurs"]["methode"] == [
            f"Cette adresse ne répond qu'aux requêtes GET (pas {method.upper()})."
        ]


def test_cors_and_cache_headers(client, demo):
    for response in (
        search(client, code_insee="28280"),
        search(client, rayon="0"),
        client.get(f"{SEARCH}999999/"),
        client.get(OPENAPI),
    ):
        assert response["Access-Control-Allow-Origin"] == "*"
        assert "public" in response["Cache-Control"]
    assert "max-age=60" in search(client, code_insee="28280")["Cache-Control"]
    # No cookie is set: the data is public.
    assert not search(client, code_insee="28280").cookies

    preflight = client.options(
        SEARCH,
        headers={
            "Origin": "https://partenaire.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "x-requested-with",
        },
    )
    assert preflight.status_code == 200
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert preflight["Access-Control-Allow-Headers"] == "*"
    head = client.head(SEARCH, {"code_insee": "28280"})
    assert head.status_code == 200
    assert head["Access-Control-Allow-Origin"] == "*"


def test_place_detail_and_unknown_addresses_are_json(client, demo):
    pij = demo[SENONCHES_PIJ]
    response = client.get(f"{SEARCH}{pij.pk}/")
    assert response.status_code == 200
    item = response.json()
    assert item["id"] == SENONCHES_PIJ
    assert item["nom"] == pij.nom
    assert item["services"] == pij.services
    assert "distance_km" not in item
    for path in (
        "999999/",
        "0/",
        "abc/",
        "99999999999999999999999/",
        "١٢/",  # Arabic-Indic digits
        "1/2/",
        "%00/",
        "12",
        "x",
    ):
        response = client.get(f"{SEARCH}{path}")
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert response.json()["message"] == "Introuvable."


def test_search_query_count_does_not_grow(
    client, demo, nogent, django_assert_max_num_queries
):
    params = {
        "commune": "Nogent-le-Rotrou",
        "rayon": "100",
        "ouvert_maintenant": "true",
    }
    search(client, **params)  # warm caches
    with django_assert_max_num_queries(3) as few:
        search(client, **params)
    for index in range(30):
        place(nogent, f"plus-{index}", horaires="24/7")
    with django_assert_max_num_queries(len(few.captured_queries)):
        found = search(client, **params).json()
    assert found["nombre"] >= 30
    with django_assert_max_num_queries(1):
        client.get(f"{SEARCH}{demo[SENONCHES_PIJ].pk}/")


# OpenAPI ------------------------------------------------------------------------


def test_openapi_document_is_valid_and_matches_the_parameters(client, db):
    response = client.get(OPENAPI)
    assert response.status_code == 200
    served = response.json()
    assert served == document()
    assert served["openapi"] == "3.1.0"
    # Valid against the OpenAPI 3.1 meta-schema, each schema valid JSON Schema.
    schemathesis.openapi.from_dict(served).validate()
    for schema in served["components"]["schemas"].values():
        jsonschema.Draft202012Validator.check_schema(schema)
    # Every parameter the endpoint reads is documented, and only those.
    operation = served["paths"]["/api/v1/lieux/"]["get"]
    documented = {parameter["name"] for parameter in operation["parameters"]}
    unknown = errors(client.get(SEARCH, {"nimporte": "1"}))["nimporte"][0]
    listed = unknown.removeprefix("Paramètre inconnu. Paramètres possibles : ")
    assert set(listed.removesuffix(".").split(", ")) == documented
    services = next(p for p in operation["parameters"] if p["name"] == "services")
    assert services["schema"]["items"]["enum"] == list(standard.choices("services"))
    assert len(services["schema"]["items"]["enum"]) > 5


def test_responses_match_the_documented_schemas(client, demo):
    served = document()

    def check(response, ref):
        schema = {"$ref": f"#/components/schemas/{ref}", **served}
        jsonschema.Draft202012Validator(
            schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        ).validate(response.json())

    check(search(client, code_insee="28280", rayon="100"), "Recherche")
    check(search(client, commune="28400"), "Erreur")
    check(client.get(f"{SEARCH}{demo[SENONCHES_PIJ].pk}/"), "Lieu")
    check(client.post(SEARCH), "Erreur")


# Fuzzing ------------------------------------------------------------------------

# Places the fuzzer can ask for by number.
FUZZ_PLACES = [424_242, 424_243]
FUZZ_CONFIG = schemathesis.Config.from_dict(
    {
        # Random text is almost never a commune: most of the time, draw a real one
        # so that the searches themselves (filters, limits, results) get fuzzed.
        "dictionaries": {
            "communes": {
                "values": [
                    "Nogent-le-Rotrou",
                    "senonches",
                    "Rémalard en Perche (61110)",
                    "28160",
                    "28400",  # ambiguous: a 400 with the candidates
                ]
            },
            "codes_insee": {"values": ["28280", "28373", "61345", "72020"]},
            "lieux": {"values": FUZZ_PLACES},
        },
        "parameters": {
            "query.commune": {"dictionary": "communes", "probability": 0.8},
            "query.code_insee": {"dictionary": "codes_insee", "probability": 0.8},
            "path.lieu": {"dictionary": "lieux", "probability": 0.5},
        },
        "checks": {
            # The schema cannot say which communes exist: a well-formed but unknown
            # (or ambiguous) commune is a 400 by design, even in generated valid data.
            "positive_data_acceptance": {"expected-statuses": ["200", "400", "404"]}
        },
    }
)
# Loaded from the running application, as a partner would (no database access).
api_schema = schemathesis.openapi.from_wsgi(
    OPENAPI, get_wsgi_application(), config=FUZZ_CONFIG
)


@api_schema.hook
def map_case(context, case):
    """Valid data names exactly one commune (the schema cannot say « one of »)."""
    if (
        case.operation.path != SEARCH
        or case.meta is None
        or case.meta.generation.mode.is_negative
    ):
        return case
    query = case.query
    if "commune" in query and "code_insee" in query:
        del query["code_insee"]
    elif "commune" not in query and "code_insee" not in query:
        query["code_insee"] = "28280"
    return case


@pytest.fixture
def fuzz_data(demo, nogent, settings):
    # One client sends every request: the verification's per-client limit would
    # answer valid requests with 429, as designed (tested in tests/certificates).
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 10_000
    place(
        nogent,
        "toujours-ouvert",
        pk=FUZZ_PLACES[0],
        horaires="24/7",
        frais_a_charge=["Gratuit"],
        services=[PROCEDURES],
    )
    place(
        nogent,
        "samedi",
        pk=FUZZ_PLACES[1],
        horaires="Sa 09:00-12:00; PH off",
        publics_specifiquement_adresses=["Jeunes"],
        coordinates_source=HelpPlace.CoordinatesSource.COMMUNE,
    )
    # As Django's test client does: the test's transaction must outlive each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@api_schema.parametrize()
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
def test_fuzz_the_api_against_its_openapi(case, fuzz_data):
    """Generated requests, valid and invalid: never a 500, always as documented."""
    case.call_and_validate()
