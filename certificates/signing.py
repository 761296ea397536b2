"""Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (W3C "Data Integrity
EdDSA Cryptosuites v1.0"): Ed25519 over RFC 8785 canonical JSON, keys as Multikey.

Signing: hash the proof configuration (the proof without `proofValue`, carrying the
document's `@context`) and the document without its proof, each canonicalized and
hashed with SHA-256, configuration first; sign the 64 bytes; `proofValue` is the
signature in multibase base58btc (`z…`)."""

import contextlib
import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

CRYPTOSUITE = "eddsa-jcs-2022"
# Multicodec prefixes of an Ed25519 public key and secret key (Multikey).
ED25519_PUBLIC_PREFIX = b"\xed\x01"
ED25519_SECRET_PREFIX = b"\x80\x26"
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


class ProofError(Exception):
    """A proof that cannot be checked or does not hold; the message says why."""


def base58_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, rest = divmod(number, 58)
        digits.append(BASE58_ALPHABET[rest])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def base58_decode(text: str) -> bytes:
    number = 0
    for char in text:
        position = BASE58_ALPHABET.find(char)
        if position < 0:
            raise ValueError(f"caractère hors base58 : {char!r}")
        number = number * 58 + position
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def multibase_decode(value: str, prefix: bytes) -> bytes:
    """The 32 key bytes of a `z…` multikey value with this multicodec prefix."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise ValueError("valeur multibase base58btc attendue (z…)")
    raw = base58_decode(value[1:])
    if not raw.startswith(prefix) or len(raw) != len(prefix) + 32:
        raise ValueError("clé Ed25519 multicodec attendue")
    return raw[len(prefix) :]


def public_key_multibase(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return "z" + base58_encode(ED25519_PUBLIC_PREFIX + raw)


def secret_key_multibase(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return "z" + base58_encode(ED25519_SECRET_PREFIX + raw)


def secret_key_from_multibase(value: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(
        multibase_decode(value.strip(), ED25519_SECRET_PREFIX)
    )


# Every signature is verified right after it is made: the few keys a process meets
# are decoded once.
@functools.lru_cache(maxsize=64)
def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(
        multibase_decode(value, ED25519_PUBLIC_PREFIX)
    )


def _hash_data(document: dict, proof_config: dict) -> bytes:
    return (
        hashlib.sha256(rfc8785.dumps(proof_config)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )


def _proof_config(document: dict, options: dict) -> dict:
    config = {key: value for key, value in options.items() if key != "proofValue"}
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def proof_add(document: dict, *, key: Ed25519PrivateKey, options: dict) -> dict:
    """The document with its proof (`options`: type, cryptosuite, created,
    verificationMethod, proofPurpose)."""
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    config = _proof_config(unsecured, options)
    signature = key.sign(_hash_data(unsecured, config))
    return {
        **unsecured,
        "proof": {**config, "proofValue": "z" + base58_encode(signature)},
    }


def proof_verify(
    document: dict, *, resolve: Callable[[str], Ed25519PublicKey | None]
) -> dict:
    """Check the document's `eddsa-jcs-2022` proof; returns the proof, or raises
    ProofError. `resolve` gives the public key of a verificationMethod (None when
    unknown)."""
    proof = document.get("proof") if isinstance(document, dict) else None
    if not isinstance(proof, dict):
        raise ProofError("Le document n'a pas de preuve (proof).")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != (
        CRYPTOSUITE
    ):
        raise ProofError("La preuve n'est pas une DataIntegrityProof eddsa-jcs-2022.")
    unsecured = {name: value for name, value in document.items() if name != "proof"}
    if "@context" in proof:
        context = unsecured.get("@context")
        wanted = proof["@context"]
        if not isinstance(context, list) or not isinstance(wanted, list):
            raise ProofError("Le contexte de la preuve ne correspond pas au document.")
        if context[: len(wanted)] != wanted:
            raise ProofError("Le contexte de la preuve ne correspond pas au document.")
    method = proof.get("verificationMethod")
    key = resolve(method) if isinstance(method, str) else None
    if key is None:
        raise ProofError("La clé de la preuve (verificationMethod) est inconnue.")
    value = proof.get("proofValue")
    try:
        if not isinstance(value, str) or not value.startswith("z"):
            raise ValueError("multibase base58btc attendu")
        signature = base58_decode(value[1:])
    except ValueError as error:
        raise ProofError("La signature (proofValue) est illisible.") from error
    config = {name: value for name, value in proof.items() if name != "proofValue"}
    try:
        key.verify(signature, _hash_data(unsecured, config))
    except InvalidSignature as error:
        raise ProofError(
            "La signature ne correspond pas : le document a été modifié après "
            "avoir été signé, ou n'a pas été signé par cette clé."
        ) from error
    return proof


def did_key_resolve(method: str) -> Ed25519PublicKey | None:
    """A `did:key:z6Mk…#z6Mk…` verification method carries its own public key."""
    if not method.startswith("did:key:"):
        return None
    identifier = method.removeprefix("did:key:").split("#", 1)[0]
    try:
        return public_key_from_multibase(identifier)
    except ValueError:
        return None


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey

    @functools.cached_property
    def public_multibase(self) -> str:
        return public_key_multibase(self.private.public_key())


def _embedded_key_file(path: Path) -> str:
    """Embedded mode: a key made on the first start and kept, like the secret key."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{path.name}.{os.getpid()}")
        draft.touch(mode=0o600)
        draft.write_text(secret_key_multibase(Ed25519PrivateKey.generate()))
        # Whole or not at all, and the first process to start wins.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text()


_loaded: dict[tuple, SigningKey] = {}


def signing_key() -> SigningKey:
    """The current signing key: CERTIFICATES_SIGNING_KEY, else the file named by
    CERTIFICATES_SIGNING_KEY_FILE, else (embedded mode) one kept in VAR_DIR."""
    source = (
        settings.CERTIFICATES_SIGNING_KEY,
        settings.CERTIFICATES_SIGNING_KEY_FILE,
        settings.CERTIFICATES_SIGNING_KEY_ID,
    )
    if source not in _loaded:
        value, path, key_id = source
        if not value and path:
            value = Path(path).read_text()
        elif not value and settings.DEBUG:
            value = _embedded_key_file(Path(settings.VAR_DIR) / "signing_key")
        if not value:
            raise ImproperlyConfigured(
                "CERTIFICATES_SIGNING_KEY ou CERTIFICATES_SIGNING_KEY_FILE est "
                "obligatoire pour signer les attestations (voir .env.example)."
            )
        try:
            private = secret_key_from_multibase(value)
        except ValueError as error:
            raise ImproperlyConfigured(
                "La clé de signature des attestations doit être une clé secrète "
                f"Ed25519 en multibase (z3u2…) : {error}."
            ) from error
        _loaded[source] = SigningKey(key_id=key_id, private=private)
    return _loaded[source]


def public_keys() -> dict[str, str]:
    """Every key id that signed certificates, with its public key (multibase): the
    current key and the earlier ones (CERTIFICATES_PREVIOUS_KEYS), so that a
    certificate signed before a rotation still verifies."""
    current = signing_key()
    return {
        **settings.CERTIFICATES_PREVIOUS_KEYS,
        current.key_id: current.public_multibase,
    }
