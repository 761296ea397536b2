"""What anyone may learn of a certificate: by its code (valid, revoked, unknown),
or from the credential file itself (signature, status, dates, e-mail)."""

import json
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone

from core.formatting import date_text

from .codes import code_display, code_normalize
from .credentials import (
    bitstring_bit,
    identity_hash,
    key_resolve,
    status_list_number,
)
from .credentials import status_list_credential as status_list_build
from .selectors import certificate_get_by_code, revoked_status_indexes
from .services import holder_name
from .signing import ProofError, proof_verify


class State:
    VALID = "valide"
    REVOKED = "révoquée"
    UNKNOWN = "inconnue"


@dataclass(frozen=True)
class Verification:
    state: str
    code: str = ""
    issued_on: str = ""
    revoked_on: str = ""
    holder: str = ""  # empty when the holder deleted their account
    epci: str = ""
    framework_version: int | None = None
    competencies: list[str] = field(default_factory=list)

    def as_json(self) -> dict:
        """The tombstone of a revoked certificate says when, and nothing else."""
        if self.state == State.UNKNOWN:
            return {"statut": self.state}
        if self.state == State.REVOKED:
            return {
                "statut": self.state,
                "code": self.code,
                "revoquee_le": self.revoked_on,
            }
        return {
            "statut": self.state,
            "code": self.code,
            "titulaire": self.holder or None,
            "delivree_le": self.issued_on,
            "territoire": self.epci,
            "version_du_referentiel": self.framework_version,
            "competences": self.competencies,
        }


def certificate_verify(*, typed: str) -> Verification:
    """Unknown and malformed codes answer alike (and without a query for the
    malformed ones)."""
    certificate = certificate_get_by_code(code=code_normalize(typed))
    if certificate is None:
        return Verification(state=State.UNKNOWN)
    code = code_display(certificate.code)
    if certificate.is_revoked:
        return Verification(
            state=State.REVOKED,
            code=code,
            revoked_on=timezone.localdate(certificate.revoked_at).isoformat(),
        )
    return Verification(
        state=State.VALID,
        code=code,
        issued_on=timezone.localdate(certificate.issued_at).isoformat(),
        holder=holder_name(certificate.learner) if certificate.learner else "",
        epci=certificate.epci.name,
        framework_version=certificate.framework.version,
        competencies=[
            c.label
            for c in sorted(
                certificate.framework.competencies.all(), key=lambda c: c.code
            )
        ],
    )


def verification_dates_text(verification: Verification) -> dict[str, str]:
    """The page's dates in French words."""
    return {
        name: date_text(datetime.fromisoformat(value).date())
        for name, value in (
            ("issued_on", verification.issued_on),
            ("revoked_on", verification.revoked_on),
        )
        if value
    }


def status_list_credential(*, number: int, now: datetime | None = None) -> dict:
    return status_list_build(
        number=number, revoked=revoked_status_indexes(number), now=now or timezone.now()
    )


@dataclass(frozen=True)
class Check:
    label: str
    ok: bool | None  # None: could not be checked here
    detail: str


def _parse(text: str) -> dict | None:
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, dict) else None


def _types(value) -> list:
    return value if isinstance(value, list) else [value]


def _status_check(document: dict) -> Check:
    label = "Révocation"
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict):
        return Check(label, None, "Ce document ne dit pas où lire son statut.")
    number = status_list_number(entry.get("statusListCredential"))
    if number is None:
        return Check(
            label,
            None,
            "Sa liste de statut est celle d'un autre émetteur : non lue ici.",
        )
    try:
        index = int(entry.get("statusListIndex"))
        encoded = status_list_credential(number=number)["credentialSubject"][
            "encodedList"
        ]
        revoked = bitstring_bit(encoded, index)
    except (TypeError, ValueError):
        return Check(label, False, "Sa position dans la liste de statut est invalide.")
    if revoked:
        return Check(label, False, "Cette attestation a été révoquée.")
    return Check(label, True, "Elle n'est pas révoquée.")


def _dates_check(document: dict, now: datetime) -> Check:
    label = "Dates de validité"
    try:
        valid_from = datetime.fromisoformat(document["validFrom"])
        until = document.get("validUntil")
        valid_until = datetime.fromisoformat(until) if until else None
    except (KeyError, TypeError, ValueError):
        return Check(
            label, False, "Sa date de début de validité est absente ou illisible."
        )
    if valid_from.tzinfo is None or (valid_until and valid_until.tzinfo is None):
        return Check(label, False, "Ses dates n'indiquent pas de fuseau horaire.")
    if valid_from > now:
        return Check(label, False, "Elle n'est pas encore valide.")
    if valid_until is not None and valid_until <= now:
        return Check(label, False, "Elle n'est plus valide.")
    return Check(
        label, True, f"Valide depuis le {date_text(timezone.localdate(valid_from))}."
    )


def _email_check(document: dict, email: str) -> Check:
    label = "Adresse e-mail"
    subject = document.get("credentialSubject")
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if (
            isinstance(identifier, dict)
            and identifier.get("identityType") == "emailAddress"
            and isinstance(identifier.get("salt"), str)
        ):
            if identifier.get("identityHash") == identity_hash(
                email, identifier["salt"]
            ):
                return Check(label, True, "Elle correspond à la personne titulaire.")
            return Check(
                label, False, "Elle ne correspond pas à la personne titulaire."
            )
    return Check(label, None, "Ce document ne contient pas d'adresse à comparer.")


def credential_check(
    *, text: str, email: str = "", now: datetime | None = None
) -> list[Check] | None:
    """Each check of a pasted or uploaded credential; None when it is not a JSON
    object at all."""
    now = now or timezone.now()
    document = _parse(text)
    if document is None:
        return None
    checks = []
    kinds = _types(document.get("type"))
    checks.append(
        Check("Format", True, "Un badge Open Badges 3.0.")
        if "OpenBadgeCredential" in kinds
        else Check("Format", False, "Ce n'est pas un badge Open Badges 3.0.")
    )
    try:
        proof_verify(document, resolve=key_resolve)
        checks.append(Check("Signature", True, "Signée, et pas modifiée depuis."))
    except ProofError as error:
        checks.append(Check("Signature", False, error.args[0]))
    checks.append(_status_check(document))
    checks.append(_dates_check(document, now))
    if email.strip():
        checks.append(_email_check(document, email))
    return checks
