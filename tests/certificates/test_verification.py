"""Public verification by code, QR link and JSON; the credential checker; the
issuer's profile, keys and status list."""

import copy
import json

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from certificates import services
from certificates.codes import code_display
from certificates.credentials import bitstring_bit, key_resolve, verification_url
from certificates.signing import proof_verify
from tests.helpers import page_text

from .people import coordinator_of
from .test_signing import VECTOR

PAGE = "/certificats/verifier/"


@pytest.fixture
def certificate(ready_learner):
    return services.certificate_issue(learner_id=ready_learner.pk).certificate


def _revoke(certificate, epci):
    services.certificate_revoke(
        certificate_id=certificate.pk, actor=coordinator_of(epci), reason="Erreur."
    )


def test_a_valid_code_shows_first_name_date_territory_competencies(
    client, certificate, epci, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6):
        response = client.get(f"{PAGE}?code={code_display(certificate.code).lower()}")
    page = page_text(response)
    assert response.status_code == 200
    assert "Valide" in page
    assert "Camille D." in page
    assert epci.name in page
    assert "Savoir faire la démarche n°3" in page
    assert "ready_learner" not in page and "@exemple.fr" not in page


def test_my_journey_links_to_the_verification_page(client, certificate, ready_learner):
    client.force_login(ready_learner)
    response = client.get("/parcours/")
    url = verification_url(certificate.code)
    assert f'<a href="{url}">la page de vérification de ton attestation</a>' in (
        response.content.decode()
    )
    # The plain address too, to copy into a CV or a message.
    assert f"Son adresse, à donner à qui te la demande : {url}" in page_text(response)
    assert client.get(url.removeprefix(settings.SITE_URL)).status_code == 200


def test_the_qr_link_opens_the_same_answer(client, certificate):
    response = client.get(f"{PAGE}{certificate.code}/")
    assert response.status_code == 200
    assert "Camille D." in page_text(response)


def test_a_revoked_certificate_is_a_tombstone(client, certificate, epci):
    _revoke(certificate, epci)
    page = page_text(client.get(f"{PAGE}{certificate.code}/"))
    assert "Révoquée" in page and "révoquée le" in page
    assert "Camille" not in page and epci.name not in page
    assert "Erreur." not in page
    data = client.get(f"/api/v1/attestations/{certificate.code}/").json()
    assert set(data) == {"statut", "code", "revoquee_le"}
    assert data["statut"] == "révoquée"


@pytest.mark.parametrize(
    "typed", ["CDFGHJKMNP", "nope", "AEIOU12345", "x" * 300, "'; DROP TABLE--"]
)
def test_unknown_and_malformed_codes_answer_alike(client, db, typed):
    page = page_text(client.get(PAGE, {"code": typed}))
    assert "Aucune attestation avec ce code" in page
    response = client.get(f"/api/v1/attestations/{typed}/")
    assert response.status_code == 404
    assert response.json() == {"statut": "inconnue"}


def test_an_empty_code_asks_for_one(client, db):
    response = client.get(PAGE, {"code": ""})
    assert response.status_code == 200
    assert "Indiquez le code imprimé sur l'attestation." in page_text(response)


def test_the_json_endpoint(client, certificate, epci, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(f"/api/v1/attestations/{certificate.code}/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    data = response.json()
    assert data["statut"] == "valide"
    assert data["titulaire"] == "Camille D."
    assert data["territoire"] == epci.name
    assert len(data["competences"]) == 3
    assert client.post(f"/api/v1/attestations/{certificate.code}/").status_code == 405


def test_the_openapi_description_documents_the_endpoint(client, db):
    import schemathesis

    served = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/attestations/{code}/" in served["paths"]
    schemathesis.openapi.from_dict(served).validate()


def test_verification_is_rate_limited_per_client(client, certificate, settings):
    settings.CERTIFICATES_VERIFY_PER_MINUTE = 3
    for _ in range(3):
        assert client.get(f"{PAGE}{certificate.code}/").status_code == 200
    response = client.get(f"{PAGE}{certificate.code}/")
    assert response.status_code == 429
    assert "réessayez dans une minute" in page_text(response)
    assert client.get(f"/api/v1/attestations/{certificate.code}/").status_code == 429
    # Another client is not slowed down.
    other = client.get(f"{PAGE}{certificate.code}/", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 200


def test_issuer_key_and_status_list_are_published(client, certificate, epci):
    issuer = client.get("/certificats/emetteur/").json()
    assert issuer["type"] == ["Profile"]
    method = certificate.credential["proof"]["verificationMethod"]
    key = client.get(method.removeprefix("http://127.0.0.1:8000")).json()
    assert key["type"] == "Multikey"
    assert key["controller"] == issuer["id"]
    assert client.get("/certificats/cles/inconnue/").status_code == 404
    index = int(certificate.credential["credentialStatus"]["statusListIndex"])
    status = client.get("/certificats/statut/").json()
    proof_verify(status, resolve=key_resolve)
    assert not bitstring_bit(status["credentialSubject"]["encodedList"], index)
    _revoke(certificate, epci)
    status = client.get("/certificats/statut/").json()
    assert bitstring_bit(status["credentialSubject"]["encodedList"], index)


def test_a_rotated_key_still_verifies_what_it_signed(certificate, settings):
    from certificates.signing import signing_key

    old = signing_key()
    settings.CERTIFICATES_PREVIOUS_KEYS = {old.key_id: old.public_multibase}
    settings.CERTIFICATES_SIGNING_KEY = (
        "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
    )
    settings.CERTIFICATES_SIGNING_KEY_ID = "2"
    proof_verify(certificate.credential, resolve=key_resolve)
    assert signing_key().key_id == "2"


CHECK = "/certificats/controle/"


def _check(client, document, **data):
    return page_text(client.post(CHECK, {"text": json.dumps(document), **data}))


def test_the_checker_accepts_an_untouched_credential(
    client, certificate, ready_learner
):
    page = _check(client, certificate.credential, email=ready_learner.email.upper())
    assert "Ce badge est authentique et valable" in page
    assert "Elle correspond à la personne titulaire." in page


@pytest.mark.parametrize(
    "change",
    ["subject", "proof", "status", "email"],
)
def test_the_checker_refuses_one_changed_character(client, certificate, change):
    document = copy.deepcopy(certificate.credential)
    email = ""
    if change == "subject":
        achievement = document["credentialSubject"]["achievement"]
        achievement["name"] = achievement["name"][:-1] + "x"
    elif change == "proof":
        value = document["proof"]["proofValue"]
        document["proof"]["proofValue"] = value[:-1] + (
            "A" if value[-1] != "A" else "B"
        )
    elif change == "status":
        status = document["credentialStatus"]
        status["statusListIndex"] = str(int(status["statusListIndex"]) ^ 1)
    else:
        email = "quelquun@exemple.fr"
    page = _check(client, document, email=email)
    assert "Ce badge ne passe pas toutes les vérifications" in page


def test_the_checker_says_revoked(client, certificate, epci):
    _revoke(certificate, epci)
    page = _check(client, certificate.credential)
    assert "Cette attestation a été révoquée." in page


def test_the_checker_reads_an_uploaded_file_and_other_issuers(client, db):
    upload = SimpleUploadedFile(
        "badge.json", json.dumps(VECTOR).encode(), content_type="application/json"
    )
    page = page_text(client.post(CHECK, {"upload": upload}))
    assert "Signée, et pas modifiée depuis." in page
    assert "Ce n'est pas un badge Open Badges 3.0." in page  # an alumni credential


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": ""}, "Collez le badge ou choisissez son fichier."),
        ({"text": "pas du json"}, "Ce texte n'est pas un badge"),
        ({"text": "[1, 2]"}, "Ce texte n'est pas un badge"),
        ({"text": "[" * 100000}, "Ce texte n'est pas un badge"),
        ({"text": json.dumps({"a": "x" * 200_001})}, "trop long"),
        (
            {"text": "{}", "email": "pas-une-adresse"},
            "Cette adresse e-mail n'est pas valide",
        ),
    ],
    ids=["empty", "not-json", "not-object", "deep", "too-long", "bad-email"],
)
def test_the_checker_explains_bad_input(client, db, data, message):
    response = client.post(CHECK, data)
    assert response.status_code == 200
    assert message in page_text(response)


def test_the_checker_refuses_a_binary_file(client, db):
    upload = SimpleUploadedFile("badge.json", b"\xff\xfe\x00")
    page = page_text(client.post(CHECK, {"upload": upload}))
    assert "Ce fichier n'est pas un texte JSON (UTF-8)." in page
