"""The OpenAPI 3.1 description of the help-place JSON API, served at
/api/v1/openapi.json.

Written by hand; the parts that follow the national standard (its columns, its closed
lists of services and publics) are read from its schema, so they cannot drift.
"""

import copy
import functools

from . import api_forms, standard

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
JSON = "application/json"

PLACE_EXTRAS = {
    "ouvert_maintenant": {
        "type": "boolean",
        "description": "Ouvert au moment de la réponse, d'après `horaires` "
        "(jours fériés compris). Faux si les horaires sont inconnus.",
    },
    "horaires_en_clair": {
        "type": "string",
        "description": "L'état du lieu en français, au moment de la réponse.",
        "examples": ["Ouvert — ferme à 18 h 30", "Fermé — ouvre lundi à 9 h"],
    },
    "coordonnees_approximatives": {
        "type": "boolean",
        "description": "Vrai quand le fichier ne donnait pas la position du lieu : "
        "`latitude` et `longitude` sont alors celles de la mairie de sa commune.",
    },
    "url": {
        "type": "string",
        "format": "uri",
        "description": "La page publique du lieu.",
    },
    "url_api": {
        "type": "string",
        "format": "uri",
        "description": "Ce lieu dans l'API (`/api/v1/lieux/{lieu}/`).",
    },
}


def _column_schema(column: standard.Column) -> dict:
    """One column of the standard, as the API writes it (lists as JSON arrays)."""
    description = column.title
    if column.multiple:
        items = {"type": "string"}
        if column.choices:
            items["enum"] = list(column.choices)
        return {"type": "array", "items": items, "description": description}
    if column.type == "number":
        return {"type": ["number", "null"], "description": description}
    if column.type == "date":
        return {"type": "string", "format": "date", "description": description}
    return {"type": "string", "description": description}


def _place_schema() -> dict:
    properties = {column.name: _column_schema(column) for column in standard.columns()}
    properties.update(copy.deepcopy(PLACE_EXTRAS))
    return {
        "type": "object",
        "description": "Un lieu d'aide, avec les colonnes du standard national des "
        "lieux de médiation numérique v1.0.2 (mêmes noms ; les listes, séparées par "
        "`|` dans le fichier, sont des tableaux).",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def _found_place_schema() -> dict:
    schema = _place_schema()
    schema["properties"]["distance_km"] = {
        "type": "number",
        "minimum": 0,
        "description": "Distance à vol d'oiseau depuis la mairie de la commune "
        "demandée, arrondie à 0,1 km.",
    }
    schema["required"].append("distance_km")
    return schema


COMMUNE_SCHEMA = {
    "type": "object",
    "properties": {
        "code_insee": {"type": "string", "examples": ["28280"]},
        "nom": {"type": "string", "examples": ["Nogent-le-Rotrou"]},
        "codes_postaux": {"type": "array", "items": {"type": "string"}},
        "departement": {"type": "string", "examples": ["28"]},
        "latitude": {"type": "number"},
        "longitude": {"type": "number"},
    },
    "required": [
        "code_insee",
        "nom",
        "codes_postaux",
        "departement",
        "latitude",
        "longitude",
    ],
    "additionalProperties": False,
}

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "message": {"type": "string"},
        "erreurs": {
            "type": "object",
            "description": "Pour chaque paramètre refusé, ses messages en français.",
            "additionalProperties": {
                "type": "array",
                "items": {"type": "string"},
                "minItems": 1,
            },
        },
        "communes_possibles": {
            "type": "array",
            "description": "Quand plusieurs communes correspondent au paramètre "
            "`commune` : relancer avec le `code_insee` de l'une d'elles.",
            "items": {"$ref": "#/components/schemas/Commune"},
        },
    },
    "required": ["message", "erreurs"],
    "additionalProperties": False,
}


def _boolean_parameter(name: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description + " Valeurs : `true` ou `false` (par défaut).",
        "schema": {"type": "boolean", "default": False},
    }


def _list_parameter(name: str, column: str, description: str) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {
            "type": "array",
            "items": {"type": "string", "enum": list(standard.choices(column))},
        },
    }


def _search_parameters() -> list[dict]:
    return [
        {
            "name": "commune",
            "in": "query",
            "required": False,
            "description": "La commune autour de laquelle chercher : son nom (accents "
            "et tirets facultatifs) ou son code postal. Si plusieurs communes "
            "correspondent, la réponse est une erreur 400 qui les liste "
            "(`communes_possibles`) : relancer avec `code_insee`. Donner `commune` "
            "ou `code_insee`, pas les deux.",
            "schema": {
                "type": "string",
                "minLength": 1,
                "maxLength": api_forms.COMMUNE_MAX_LENGTH,
            },
            "examples": {
                "nom": {"value": "Nogent-le-Rotrou"},
                "code_postal": {"value": "28160"},
            },
        },
        {
            "name": "code_insee",
            "in": "query",
            "required": False,
            "description": "Le code INSEE (code officiel géographique) de la "
            "commune, pour les programmes. Donner `commune` ou `code_insee`, pas "
            "les deux.",
            "schema": {"type": "string", "pattern": "^([0-9]{5}|2[AB][0-9]{3})$"},
            "example": "28280",
        },
        {
            "name": "rayon",
            "in": "query",
            "required": False,
            "description": "Distance maximale à vol d'oiseau, en kilomètres, depuis "
            "la mairie de la commune : de 1 à 100, décimales permises avec un "
            "point (`12.5`). Par défaut 20. La recherche traverse les limites de "
            "départements.",
            "schema": {
                "type": "number",
                "minimum": api_forms.MIN_RADIUS,
                "maximum": api_forms.MAX_RADIUS,
                "default": api_forms.DEFAULT_RADIUS,
            },
        },
        _list_parameter(
            "services",
            "services",
            "Ne garder que les lieux qui proposent **tous** ces services (valeurs "
            "exactes du standard). Répéter le paramètre pour en donner plusieurs : "
            "`services=A&services=B`.",
        ),
        _list_parameter(
            "publics",
            "publics_specifiquement_adresses",
            "Ne garder que les lieux qui accueillent spécifiquement **tous** ces "
            "publics (colonne `publics_specifiquement_adresses` du standard). "
            "Répéter le paramètre pour en donner plusieurs.",
        ),
        _boolean_parameter(
            "gratuit", "Ne garder que les lieux gratuits (`frais_a_charge` : Gratuit)."
        ),
        _boolean_parameter(
            "ouvert_maintenant",
            "Ne garder que les lieux ouverts au moment de la requête (jours fériés "
            "compris ; les lieux sans horaires connus sont écartés).",
        ),
        _boolean_parameter(
            "ouvert_samedi",
            "Ne garder que les lieux ouverts au moins un des deux prochains samedis.",
        ),
        {
            "name": "limite",
            "in": "query",
            "required": False,
            "description": "Nombre maximal de lieux renvoyés, les plus proches "
            "d'abord : de 1 à 100, par défaut 50.",
            "schema": {
                "type": "integer",
                "minimum": api_forms.MIN_LIMIT,
                "maximum": api_forms.MAX_LIMIT,
                "default": api_forms.DEFAULT_LIMIT,
            },
        },
    ]


def _json_response(description: str, ref: str) -> dict:
    return {
        "description": description,
        "headers": {
            "Access-Control-Allow-Origin": {
                "description": "Toujours `*` : données publiques, sans cookie.",
                "schema": {"type": "string", "const": "*"},
            }
        },
        "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


METHOD_NOT_ALLOWED = {
    "description": "Méthode refusée : l'API ne répond qu'à GET (et HEAD, OPTIONS). "
    "L'en-tête `Allow` liste les méthodes acceptées.",
    "headers": {"Allow": {"schema": {"type": "string"}}},
    "content": {JSON: {"schema": {"$ref": "#/components/schemas/Erreur"}}},
}


@functools.cache
def _document() -> dict:
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Majorité prête — lieux d'aide",
            "version": API_VERSION,
            "description": "Les lieux où se faire aider dans ses démarches (Point "
            "Information Jeunesse, France Services, Mission locale…), autour d'une "
            "commune, au format du standard national des lieux de médiation "
            "numérique v1.0.2. Accès libre, sans clé ; appelable depuis un "
            "navigateur (`Access-Control-Allow-Origin: *`). Réponses en cache "
            "60 secondes au plus. Tout paramètre inconnu, répété (sauf `services` "
            "et `publics`) ou invalide donne une erreur 400 qui explique, "
            "paramètre par paramètre, ce qui ne va pas.",
        },
        "paths": {
            "/api/v1/lieux/": {
                "get": {
                    "operationId": "lieux_rechercher",
                    "summary": "Chercher des lieux d'aide autour d'une commune",
                    "description": "Les lieux à moins de `rayon` km de la mairie de "
                    "la commune, les plus proches d'abord, avec les filtres donnés. "
                    "Il faut `commune` ou `code_insee`.",
                    "parameters": _search_parameters(),
                    "responses": {
                        "200": _json_response("Les lieux trouvés.", "Recherche"),
                        "400": _json_response(
                            "Paramètre manquant, inconnu, répété ou invalide ; "
                            "commune introuvable ou ambiguë.",
                            "Erreur",
                        ),
                        "405": METHOD_NOT_ALLOWED,
                    },
                }
            },
            "/api/v1/lieux/{lieu}/": {
                "get": {
                    "operationId": "lieu_lire",
                    "summary": "Un lieu d'aide",
                    "parameters": [
                        {
                            "name": "lieu",
                            "in": "path",
                            "required": True,
                            "description": "Le numéro du lieu, tel que dans "
                            "`url_api` (et l'adresse de sa page publique).",
                            "schema": {"type": "integer", "minimum": 1},
                        }
                    ],
                    "responses": {
                        "200": _json_response("Le lieu.", "Lieu"),
                        "404": _json_response("Aucun lieu n'a ce numéro.", "Erreur"),
                        "405": METHOD_NOT_ALLOWED,
                    },
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Cette description, au format OpenAPI 3.1",
                    "responses": {
                        "200": {
                            "description": "Le document OpenAPI.",
                            "content": {JSON: {"schema": {"type": "object"}}},
                        },
                        "405": METHOD_NOT_ALLOWED,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "Commune": COMMUNE_SCHEMA,
                "Lieu": _place_schema(),
                "LieuTrouve": _found_place_schema(),
                "Recherche": {
                    "type": "object",
                    "properties": {
                        "commune": {"$ref": "#/components/schemas/Commune"},
                        "rayon_km": {"type": "number", "minimum": 1, "maximum": 100},
                        "filtres": {
                            "type": "object",
                            "description": "Les filtres appliqués.",
                            "properties": {
                                "services": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                },
                                "publics": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                },
                                "gratuit": {"type": "boolean"},
                                "ouvert_maintenant": {"type": "boolean"},
                                "ouvert_samedi": {"type": "boolean"},
                            },
                            "required": [
                                "services",
                                "publics",
                                "gratuit",
                                "ouvert_maintenant",
                                "ouvert_samedi",
                            ],
                            "additionalProperties": False,
                        },
                        "limite": {"type": "integer", "minimum": 1, "maximum": 100},
                        "nombre": {
                            "type": "integer",
                            "minimum": 0,
                            "description": "Le nombre de lieux dans `lieux`.",
                        },
                        "resultats_tronques": {
                            "type": "boolean",
                            "description": "Vrai si d'autres lieux correspondent, "
                            "au-delà de `limite`.",
                        },
                        "calcule_le": {
                            "type": "string",
                            "format": "date-time",
                            "description": "L'heure (de Paris) à laquelle "
                            "`ouvert_maintenant` et `horaires_en_clair` ont été "
                            "calculés.",
                        },
                        "lieux": {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/LieuTrouve"},
                        },
                    },
                    "required": [
                        "commune",
                        "rayon_km",
                        "filtres",
                        "limite",
                        "nombre",
                        "resultats_tronques",
                        "calcule_le",
                        "lieux",
                    ],
                    "additionalProperties": False,
                },
                "Erreur": ERROR_SCHEMA,
            }
        },
    }


# Other apps' public JSON endpoints under /api/v1/ (the directory may not import
# them: they register their paths and schemas here from `AppConfig.ready()`).
_registered_paths: dict[str, dict] = {}
_registered_schemas: dict[str, dict] = {}


def api_register(*, paths: dict[str, dict], schemas: dict[str, dict]) -> None:
    _registered_paths.update(paths)
    _registered_schemas.update(schemas)


def document() -> dict:
    """The OpenAPI document (a copy: callers may change it)."""
    described = copy.deepcopy(_document())
    described["paths"].update(copy.deepcopy(_registered_paths))
    described["components"]["schemas"].update(copy.deepcopy(_registered_schemas))
    return described
