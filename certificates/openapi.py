"""The verification endpoint in the site's OpenAPI description
(/api/v1/openapi.json)."""

from directory.openapi import JSON, METHOD_NOT_ALLOWED, api_register

VERIFICATION_SCHEMA = {
    "type": "object",
    "description": "Une attestation valide (avec ce qu'elle atteste), révoquée (la "
    "date seulement, aucune donnée personnelle) ou inconnue (`statut` seul).",
    "properties": {
        "statut": {"type": "string", "enum": ["valide", "révoquée", "inconnue"]},
        "code": {"type": "string", "examples": ["7KQ3M-XW4TP"]},
        "titulaire": {
            "type": ["string", "null"],
            "description": "Prénom et initiale du nom ; null quand la personne a "
            "supprimé son compte (l'attestation reste valide).",
        },
        "delivree_le": {"type": "string", "format": "date"},
        "revoquee_le": {"type": "string", "format": "date"},
        "territoire": {"type": "string", "description": "La communauté de communes."},
        "version_du_referentiel": {"type": "integer", "minimum": 1},
        "competences": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["statut"],
    "additionalProperties": False,
}


def _response(description: str, ref: str) -> dict:
    return {
        "description": description,
        "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{ref}"}}},
    }


def register() -> None:
    api_register(
        paths={
            "/api/v1/attestations/{code}/": {
                "get": {
                    "operationId": "attestation_verifier",
                    "summary": "Vérifier une attestation par son code",
                    "description": "Le code imprimé sur l'attestation et dans son QR "
                    "code (10 caractères ; tirets, espaces et minuscules acceptés). "
                    "Un code mal formé répond comme un code inconnu. Au plus "
                    "quelques dizaines de vérifications par minute et par adresse.",
                    "parameters": [
                        {
                            "name": "code",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _response(
                            "Attestation valide ou révoquée.", "Verification"
                        ),
                        "404": _response(
                            "Aucune attestation n'a ce code.", "Verification"
                        ),
                        "405": METHOD_NOT_ALLOWED,
                        "429": _response(
                            "Trop de vérifications depuis cette adresse : "
                            "réessayer dans une minute.",
                            "Erreur",
                        ),
                    },
                }
            }
        },
        schemas={"Verification": VERIFICATION_SCHEMA},
    )
