"""eddsa-jcs-2022 against the W3C specification's own signed example, and our
credentials: an untouched one verifies, one changed character does not."""

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from certificates.signing import (
    ProofError,
    base58_decode,
    base58_encode,
    did_key_resolve,
    proof_add,
    proof_verify,
    public_key_multibase,
    secret_key_from_multibase,
)

VECTOR = json.loads(
    (Path(__file__).parent / "w3c-eddsa-jcs-2022-vector.json").read_text()
)
# The specification's test key pair (never for anything real).
SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"


def test_the_vector_key_pair_matches():
    assert public_key_multibase(secret_key_from_multibase(SECRET).public_key()) == (
        PUBLIC
    )


def test_signing_the_vector_gives_exactly_its_proof_value():
    document = {name: value for name, value in VECTOR.items() if name != "proof"}
    options = {k: v for k, v in VECTOR["proof"].items() if k != "proofValue"}
    signed = proof_add(document, key=secret_key_from_multibase(SECRET), options=options)
    assert signed["proof"]["proofValue"] == VECTOR["proof"]["proofValue"]
    assert signed == VECTOR


def test_the_vector_verifies_as_it_is():
    proof = proof_verify(copy.deepcopy(VECTOR), resolve=did_key_resolve)
    assert proof["proofValue"] == VECTOR["proof"]["proofValue"]


def _changed(path: tuple, value):
    document = copy.deepcopy(VECTOR)
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return document


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("credentialSubject", "alumniOf"), "The School of Examplez"),
        (("validFrom",), "2023-01-01T00:00:01Z"),
        (("issuer",), "https://vc.example/issuers/5679"),
        (("proof", "created"), "2023-02-24T23:36:39Z"),
        (("proof", "proofPurpose"), "authentication"),
        (
            ("proof", "proofValue"),
            VECTOR["proof"]["proofValue"][:-1]
            + ("Y" if VECTOR["proof"]["proofValue"][-1] != "Y" else "Z"),
        ),
        (("@context",), ["https://www.w3.org/ns/credentials/v2"]),
    ],
    ids=["subject", "dates", "issuer", "created", "purpose", "signature", "context"],
)
def test_any_change_to_the_vector_fails(path, value):
    with pytest.raises(ProofError):
        proof_verify(_changed(path, value), resolve=did_key_resolve)


def test_an_unknown_key_or_a_missing_proof_fails():
    with pytest.raises(ProofError, match="inconnue"):
        proof_verify(copy.deepcopy(VECTOR), resolve=lambda method: None)
    unsigned = {k: v for k, v in VECTOR.items() if k != "proof"}
    with pytest.raises(ProofError, match="pas de preuve"):
        proof_verify(unsigned, resolve=did_key_resolve)
    with pytest.raises(ProofError, match="illisible"):
        proof_verify(_changed(("proof", "proofValue"), "u0OI"), resolve=did_key_resolve)


@given(st.binary(max_size=80))
def test_base58_round_trip(data):
    assert base58_decode(base58_encode(data)) == data
