"""Revocation lists: when one holds its share of certificates the next one opens at
an address of its own; each is published and read on its own, and the first keeps
the address its certificates already carry."""

import json

import pytest

from certificates import services
from certificates.credentials import (
    bitstring_bit,
    bitstring_encode,
    key_resolve,
    status_list_number,
)
from certificates.signing import proof_verify
from tests.helpers import page_text

from .people import attain, coordinator_of, learner_in


@pytest.fixture
def small_lists(monkeypatch):
    monkeypatch.setattr(services, "STATUS_LIST_FILL", 2)


def _certified(epci, framework, count: int) -> list:
    learners = [learner_in(epci, first_name=f"Jeune{n}") for n in range(count)]
    for learner in learners:
        attain(learner, framework)
    outcomes = services._certificates_issue(
        learner_ids=[learner.pk for learner in learners], now=services.timezone.now()
    )
    return [outcomes[learner.pk].certificate for learner in learners]


def _entry(certificate) -> tuple[str, int]:
    status = certificate.credential["credentialStatus"]
    return status["statusListCredential"], int(status["statusListIndex"])


def test_a_full_list_opens_the_next_one(small_lists, epci, framework, client):
    first = _certified(epci, framework, 2)
    later = _certified(epci, framework, 1)[0]
    assert [c.status_list for c in first] == [1, 1]
    assert later.status_list == 2
    url, index = _entry(later)
    assert url == "http://127.0.0.1:8000/certificats/statut/2/"
    assert _entry(first[0])[0] == "http://127.0.0.1:8000/certificats/statut/"
    # Each list is signed, and says only its own entries.
    services.certificate_revoke(
        certificate_id=later.pk, actor=coordinator_of(epci), reason="Erreur."
    )
    second = client.get("/certificats/statut/2/").json()
    proof_verify(second, resolve=key_resolve)
    assert second["id"] == url
    assert bitstring_bit(second["credentialSubject"]["encodedList"], index)
    one = client.get("/certificats/statut/").json()
    assert one["credentialSubject"]["encodedList"] == bitstring_encode(set())


def test_the_checker_reads_the_list_a_credential_names(
    small_lists, epci, framework, client
):
    *_, later = _certified(epci, framework, 3)
    services.certificate_revoke(
        certificate_id=later.pk, actor=coordinator_of(epci), reason="Erreur."
    )
    page = page_text(
        client.post("/certificats/controle/", {"text": json.dumps(later.credential)})
    )
    assert "Cette attestation a été révoquée." in page


def test_lists_not_yet_open_and_a_second_address_for_the_first_do_not_exist(
    client, epci, framework
):
    _certified(epci, framework, 1)
    assert client.get("/certificats/statut/").status_code == 200
    for number in (0, 1, 2, 99):
        assert client.get(f"/certificats/statut/{number}/").status_code == 404


@pytest.mark.parametrize(
    ("url", "number"),
    [
        ("http://127.0.0.1:8000/certificats/statut/", 1),
        ("http://127.0.0.1:8000/certificats/statut/7/", 7),
        ("http://127.0.0.1:8000/certificats/statut/1/", None),
        ("http://127.0.0.1:8000/certificats/statut/7/?x=1", None),
        ("https://ailleurs.example/certificats/statut/", None),
        ("http://127.0.0.1:8000/certificats/emetteur/", None),
        (None, None),
        (7, None),
    ],
)
def test_only_our_list_addresses_are_read(url, number):
    assert status_list_number(url) == number
