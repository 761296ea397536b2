from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.decorators import learner_required
from accounts.permissions import Action, epci_ids_for
from accounts.selectors import epci_list_for_user
from core.ratelimits import rate_consume
from directory.api import ApiView

from . import selectors, services
from .credentials import issuer_profile, key_document
from .errors import CertificatesError
from .forms import BatchForm, CredentialCheckForm, RevokeForm, VerifyForm
from .models import BatchTrigger
from .verification import (
    State,
    certificate_verify,
    credential_check,
    status_list_credential,
    verification_dates_text,
)

RATE_LIMITED = (
    "Trop de vérifications depuis cette adresse en peu de temps : réessayez dans une "
    "minute."
)
LD_JSON = "application/ld+json"


def _within_rate(request) -> bool:
    """Codes are checked per client address: guessing codes is slow, a school still
    checks."""
    return rate_consume(
        request,
        action="certificates.verify",
        rates=f"{settings.CERTIFICATES_VERIFY_PER_MINUTE}/m/ip",
    )


def _json(data: dict, *, status: int = 200, content_type: str = "application/json"):
    response = JsonResponse(
        data,
        status=status,
        content_type=content_type,
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "HEAD"])
def verify(request, code: str | None = None):
    """By the form (?code=…) or the QR code's link (/certificats/verifier/<code>/)."""
    typed = code if code is not None else request.GET.get("code")
    form = VerifyForm({"code": typed} if typed is not None else None)
    verification = None
    if typed is not None and form.is_valid():
        if not _within_rate(request):
            return render(
                request,
                "certificates/verify.html",
                {"form": form, "refusal": RATE_LIMITED},
                status=429,
            )
        verification = certificate_verify(typed=form.cleaned_data["code"])
    return render(
        request,
        "certificates/verify.html",
        {
            "form": form,
            "verification": verification,
            "dates": verification_dates_text(verification) if verification else {},
            "State": State,
        },
    )


class VerifyApi(ApiView):
    """GET /api/v1/attestations/<code>/: valid, revoked (date only) or unknown."""

    def get(self, request, code: str):
        if not _within_rate(request):
            return _json(
                {"message": RATE_LIMITED, "erreurs": {"code": [RATE_LIMITED]}},
                status=429,
            )
        verification = certificate_verify(typed=code)
        status = 404 if verification.state == State.UNKNOWN else 200
        return _json(verification.as_json(), status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def credential_check_page(request):
    form = CredentialCheckForm(request.POST or None, request.FILES or None)
    checks = None
    if request.method == "POST" and form.is_valid():
        if not _within_rate(request):
            return render(
                request,
                "certificates/credential_check.html",
                {"form": form, "refusal": RATE_LIMITED},
                status=429,
            )
        checks = credential_check(
            text=form.cleaned_data["text"], email=form.cleaned_data["email"]
        )
        if checks is None:
            form.add_error(
                "text", "Ce texte n'est pas un badge : un objet JSON attendu."
            )
    return render(
        request,
        "certificates/credential_check.html",
        {
            "form": form,
            "checks": checks,
            "all_good": bool(checks) and all(check.ok for check in checks),
        },
    )


@require_http_methods(["GET", "HEAD"])
def issuer(request):
    return _json(issuer_profile(), content_type=LD_JSON)


@require_http_methods(["GET", "HEAD"])
def key(request, key_id: str):
    document = key_document(key_id)
    if document is None:
        raise Http404("Cette clé n'existe pas.")
    return _json(document, content_type=LD_JSON)


def _status_list_response(number: int) -> HttpResponse:
    response = _json(status_list_credential(number=number), content_type=LD_JSON)
    # A revocation shows within a minute, whoever caches the list.
    response["Cache-Control"] = "public, max-age=60"
    return response


@require_http_methods(["GET", "HEAD"])
def status_list(request):
    return _status_list_response(1)


@require_http_methods(["GET", "HEAD"])
def status_list_numbered(request, number: int):
    # List 1 has its unnumbered address only; lists yet to open do not exist.
    if number < 2 or not selectors.status_list_exists(number):
        raise Http404("Cette liste de statut n'existe pas.")
    return _status_list_response(number)


@learner_required
def certificate_pdf(request, pk):
    certificate = selectors.certificate_get_for_learner(learner=request.user, pk=pk)
    if certificate is None:
        raise Http404("Cette attestation n'existe pas.")
    response = HttpResponse(bytes(certificate.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="attestation-majorite-prete-{certificate.code}.pdf"'
    )
    return response


@learner_required
def certificate_credential(request, pk):
    certificate = selectors.certificate_get_for_learner(learner=request.user, pk=pk)
    if certificate is None:
        raise Http404("Cette attestation n'existe pas.")
    response = _json(certificate.credential, content_type=LD_JSON)
    response["Content-Disposition"] = (
        f'attachment; filename="badge-majorite-prete-{certificate.code}.json"'
    )
    return response


def _require_coordination(user) -> None:
    allowed = epci_ids_for(user, Action.CERTIFICATE_REVOKE)
    if allowed is not None and not allowed:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def coordination(request):
    """The EPCI's certificates, its batches, and a button to launch one."""
    _require_coordination(request.user)
    epcis = epci_list_for_user(user=request.user, action=Action.CERTIFICATE_BATCH)
    form = BatchForm(request.POST or None, epcis=epcis)
    if request.method == "POST" and form.is_valid():
        epci = epcis.get(pk=form.cleaned_data["epci"])
        batch = services.issuance_batch_launch(
            trigger=BatchTrigger.COORDINATOR, epci=epci, launched_by=request.user
        )
        return redirect("certificates:batch", pk=batch.pk)
    return render(
        request,
        "certificates/coordination.html",
        {
            "form": form,
            "certificates": selectors.certificate_list_for_coordinator(
                user=request.user
            ),
            "batches": selectors.issuance_batch_list_for_user(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def batch(request, pk: int):
    _require_coordination(request.user)
    progress = selectors.issuance_batch_progress_for_user(user=request.user, pk=pk)
    if progress is None:
        raise Http404("Ce lot n'existe pas ou n'est pas de votre territoire.")
    return render(request, "certificates/batch.html", {"progress": progress})


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def revoke(request, pk):
    _require_coordination(request.user)
    certificate = selectors.certificate_get_for_coordinator(user=request.user, pk=pk)
    if certificate is None:
        raise Http404(
            "Cette attestation n'existe pas ou n'est pas de votre territoire."
        )
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and not certificate.is_revoked:
        try:
            services.certificate_revoke(
                certificate_id=certificate.pk,
                actor=request.user,
                reason=form.cleaned_data["reason"],
            )
        except CertificatesError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                f"Attestation {certificate.code} révoquée : la page de vérification le "
                "dit désormais, et la personne a été prévenue par e-mail.",
            )
            return redirect("certificates:coordination")
    return render(
        request, "certificates/revoke.html", {"form": form, "certificate": certificate}
    )
