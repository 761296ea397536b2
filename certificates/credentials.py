"""Open Badges 3.0 credentials (`OpenBadgeCredential` on Verifiable Credentials 2.0),
the issuer's profile and keys, and the revocation list (BitstringStatusList)."""

import base64
import gzip
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.urls import Resolver404, resolve, reverse

from .models import STATUS_LIST_SIZE
from .signing import (
    CRYPTOSUITE,
    did_key_resolve,
    proof_add,
    proof_verify,
    public_key_from_multibase,
    public_keys,
    signing_key,
)

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
ISSUER_NAME = "Majorité prête"


def _absolute(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def issuer_url() -> str:
    return _absolute("certificates:issuer")


def key_url(key_id: str) -> str:
    return _absolute("certificates:key", key_id)


def status_list_url(number: int) -> str:
    """List 1 at the address the first certificates carry, the next ones numbered."""
    if number == 1:
        return _absolute("certificates:status-list")
    return _absolute("certificates:status-list-number", number)


def status_list_number(url) -> int | None:
    """The number of one of our revocation lists from its address (None: not one
    of ours)."""
    site = settings.SITE_URL
    if not isinstance(url, str) or not url.startswith(site + "/"):
        return None
    try:
        match = resolve(url.removeprefix(site))
    except Resolver404:
        return None
    if match.view_name == "certificates:status-list":
        return 1
    if match.view_name == "certificates:status-list-number":
        return match.kwargs["number"] if match.kwargs["number"] > 1 else None
    return None


def verification_url(code: str) -> str:
    return _absolute("certificates:verify-code", code)


def issuer_profile() -> dict:
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": issuer_url(),
        "type": ["Profile"],
        "name": ISSUER_NAME,
        "url": settings.SITE_URL + "/",
        "description": "Plateforme des communautés de communes pilotes qui atteste "
        "l'autonomie des jeunes dans les démarches de leurs 18 ans.",
    }


def key_document(key_id: str) -> dict | None:
    """The Multikey document of a key that signed certificates (None: unknown)."""
    public = public_keys().get(key_id)
    if public is None:
        return None
    return {
        "@context": [MULTIKEY_CONTEXT],
        "id": key_url(key_id),
        "type": "Multikey",
        "controller": issuer_url(),
        "publicKeyMultibase": public,
    }


def key_resolve(method: str) -> Ed25519PublicKey | None:
    """The public key of a verification method: one of ours (current or earlier),
    or a `did:key`, which carries its key."""
    for key_id, public in public_keys().items():
        if method == key_url(key_id):
            return public_key_from_multibase(public)
    return did_key_resolve(method)


def identity_hash(email: str, salt: str) -> str:
    digest = hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()
    return f"sha256${digest}"


def identity_salt() -> str:
    return secrets.token_hex(16)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _sign(document: dict, *, now: datetime) -> dict:
    key = signing_key()
    signed = proof_add(
        document,
        key=key.private,
        options={
            "type": "DataIntegrityProof",
            "cryptosuite": CRYPTOSUITE,
            "created": _utc(now),
            "verificationMethod": key_url(key.key_id),
            "proofPurpose": "assertionMethod",
        },
    )
    # Verified right after signing: a broken key or encoder never goes out.
    proof_verify(signed, resolve=key_resolve)
    return signed


@dataclass(frozen=True)
class CompetencyLine:
    code: str
    label: str
    in_person: bool


def credential_build(
    *,
    certificate_id,
    email: str,
    salt: str,
    framework_name: str,
    framework_version: int,
    competencies: list[CompetencyLine],
    epci_name: str,
    issued_at: datetime,
    status_list: int,
    status_index: int,
) -> dict:
    """The signed credential. Of the learner it holds only a salted hash of their
    e-mail address: no name, no birth date (a verifier who knows the address can
    check it matches)."""
    listed = "; ".join(
        f"{line.code} {line.label}"
        + (" (validée en personne)" if line.in_person else "")
        for line in competencies
    )
    status_url, issuer = status_list_url(status_list), issuer_url()
    document = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": f"urn:uuid:{certificate_id}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": ISSUER_NAME},
        "validFrom": _utc(issued_at),
        "name": f"{framework_name} (version {framework_version})",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "identityHash": identity_hash(email, salt),
                    "salt": salt,
                }
            ],
            "achievement": {
                "id": f"{issuer}#referentiel-v{framework_version}",
                "type": ["Achievement"],
                "name": framework_name,
                "description": "Autonomie dans les démarches des 18 ans, attestée "
                f"sur le territoire de {epci_name}.",
                "criteria": {
                    "narrative": "Toutes les compétences de la version "
                    f"{framework_version} du référentiel acquises : {listed}."
                },
            },
        },
        "credentialStatus": {
            "id": f"{status_url}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": status_url,
        },
    }
    return _sign(document, now=issued_at)


def bitstring_encode(indexes: set[int]) -> str:
    """GZIP of the bitstring (index 0 is the first byte's highest bit), multibase
    base64url without padding (`u…`)."""
    bits = bytearray(STATUS_LIST_SIZE // 8)
    for index in indexes:
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def bitstring_bit(encoded: str, index: int) -> bool:
    if not encoded.startswith("u"):
        raise ValueError("liste encodée en multibase base64url attendue (u…)")
    packed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    bits = gzip.decompress(packed)
    if index >= len(bits) * 8:
        raise ValueError("index hors de la liste")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(*, number: int, revoked: set[int], now: datetime) -> dict:
    url = status_list_url(number)
    return _sign(
        {
            "@context": [VC_CONTEXT],
            "id": url,
            "type": ["VerifiableCredential", "BitstringStatusListCredential"],
            "issuer": issuer_url(),
            "validFrom": _utc(now),
            "credentialSubject": {
                "id": f"{url}#liste",
                "type": "BitstringStatusList",
                "statusPurpose": "revocation",
                "encodedList": bitstring_encode(revoked),
            },
        },
        now=now,
    )
