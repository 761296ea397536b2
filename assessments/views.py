import csv
from datetime import date, datetime

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import informer_required, learner_required
from core.links import site_link
from core.ratelimits import rate_consume, rate_limited
from curriculum.models import ModulePage

from . import selectors, services
from .errors import AssessmentsError, AttemptAlreadyGraded, PassportRefused
from .forms import PassportRedeemForm, ValidationForm, VisitForm, WithdrawalForm


def _refusal_show(form, error: AssessmentsError) -> None:
    """A service's refusal, beside the field it names (or above the form)."""
    form.add_error(error.field if error.field in form.fields else None, error.message)


@learner_required
@require_POST
def attempt_start(request, module_id: int):
    module = get_object_or_404(ModulePage.objects.live(), pk=module_id)
    try:
        attempt = services.attempt_start(learner=request.user, module=module)
    except AssessmentsError as error:
        messages.error(request, error.message)
        return redirect(module.url + "#quiz")
    return redirect("assessments:attempt-detail", attempt_id=attempt.pk)


def _own_attempt(request, attempt_id):
    attempt = selectors.attempt_get_for_learner(
        learner=request.user, attempt_id=attempt_id
    )
    if attempt is None:
        raise Http404("Ce quiz n'existe pas.")
    return attempt


@learner_required
def attempt_detail(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if attempt.is_graded:
        return redirect("assessments:attempt-result", attempt_id=attempt.pk)
    error = None
    if request.method == "POST":
        try:
            services.attempt_submit(
                attempt_id=attempt.pk, learner=request.user, data=request.POST
            )
        except AttemptAlreadyGraded as refused:
            messages.info(request, refused.message)
        except AssessmentsError as refused:
            error = refused.message
        if error is None:
            return redirect("assessments:attempt-result", attempt_id=attempt.pk)
    questions = selectors.served_questions_view(
        attempt=attempt, data=request.POST if error else None
    )
    return render(
        request,
        "assessments/attempt_form.html",
        {"attempt": attempt, "questions": questions, "error": error},
        status=400 if error else 200,
    )


@learner_required
def attempt_result(request, attempt_id):
    attempt = _own_attempt(request, attempt_id)
    if not attempt.is_graded:
        return redirect("assessments:attempt-detail", attempt_id=attempt.pk)
    return render(
        request,
        "assessments/attempt_result.html",
        {"attempt": attempt, **selectors.attempt_result_for(attempt=attempt)},
    )


@learner_required
def learner_dashboard(request):
    return render(
        request,
        "assessments/learner_dashboard.html",
        {
            "progress": selectors.learner_progress(learner=request.user),
            "validations": selectors.validation_list_for_learner(learner=request.user),
            "openings": selectors.record_opening_list_for_learner(learner=request.user),
        },
    )


# The code shown on the learner's phone is kept in their own session only: the
# database has nothing but its hash.
PASSPORT_SESSION_KEY = "passport"


def _qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_inline(
        scale=5,
        dark="#1a1a1a",
        light="#ffffff",
        omitsize=True,
        title="QR code du passeport",
    )


@learner_required
@never_cache
@require_http_methods(["GET", "POST"])
def passport(request):
    """Mon passeport: a code valid 15 minutes, as text and as a QR code."""
    if request.method == "POST":
        try:
            issued, code = services.passport_issue(learner=request.user)
        except AssessmentsError as error:
            messages.error(request, error.message)
        else:
            request.session[PASSPORT_SESSION_KEY] = {
                "id": str(issued.pk),
                "code": code,
            }
        return redirect("assessments:passport")
    shown = request.session.get(PASSPORT_SESSION_KEY) or {}
    current = selectors.passport_get_unspent(
        learner=request.user, passport_id=shown.get("id")
    )
    context = {"current": current}
    if current is not None:
        code = shown["code"]
        url = site_link(reverse("assessments:passport-open", args=[code]))
        context.update(code=services.passport_code_display(code), qr=_qr_svg(url))
    return render(request, "assessments/passport.html", context)


@informer_required
@never_cache
@require_http_methods(["GET", "POST"])
def passport_redeem(request, code: str = ""):
    """Type the learner's code (or open the QR link, which fills it in), then
    open their record. A GET never spends a code."""
    places = selectors.informer_place_list(user=request.user)
    form = PassportRedeemForm(
        request.POST or None, places=places, initial={"code": code}
    )
    if request.method == "POST" and form.is_valid():
        # Wrong codes count against the informer and their address
        # (PASSPORT_REDEEM_RATE_LIMITS); past the limit, every code waits.
        limit = {
            "action": "assessments.passport_redeem",
            "rates": settings.PASSPORT_REDEEM_RATE_LIMITS,
        }
        if not rate_consume(request, **limit, dry_run=True):
            return rate_limited(request)
        try:
            opened = services.passport_redeem(
                informer=request.user,
                code=form.cleaned_data["code"],
                place=form.cleaned_data["place"],
            )
        except PassportRefused as error:
            rate_consume(request, **limit)
            form.add_error(error.field, error.message)
        except AssessmentsError as error:
            form.add_error(error.field, error.message)
        else:
            return redirect("assessments:learner-record", passport_id=opened.pk)
    return render(
        request,
        "assessments/passport_redeem.html",
        {"form": form, "places": places},
        status=400 if form.errors else 200,
    )


def _record_page(request, opened, *, form=None, status=200):
    return render(
        request,
        "assessments/learner_record.html",
        {
            "opened": opened,
            "record": selectors.learner_record_for(passport=opened),
            "form": form,
        },
        status=status,
    )


def _opened_record(request, passport_id):
    opened = selectors.passport_access_get(
        informer=request.user, passport_id=passport_id
    )
    if opened is None:
        raise Http404(
            "Ce dossier n'est pas ouvert pour vous : demandez au ou à la jeune un "
            "nouveau code."
        )
    return opened


@informer_required
@never_cache
@require_GET
def learner_record(request, passport_id):
    return _record_page(request, _opened_record(request, passport_id))


@informer_required
@require_POST
def validation_create(request, passport_id):
    opened = _opened_record(request, passport_id)
    form = ValidationForm(request.POST)
    if form.is_valid():
        try:
            validation = services.validation_record(
                informer=request.user,
                passport_id=opened.pk,
                competency_id=form.cleaned_data["competency"],
                note=form.cleaned_data["note"],
            )
        except AssessmentsError as error:
            _refusal_show(form, error)
        else:
            messages.success(
                request,
                f"C'est validé : « {validation.competency.label} » est acquise pour "
                f"{opened.learner.first_name}.",
            )
            return redirect("assessments:learner-record", passport_id=opened.pk)
    return _record_page(request, opened, form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def validation_withdraw(request, pk: int):
    """GET asks for the reason (a page: no script needed), POST withdraws."""
    validation = selectors.validation_get_for_withdrawal(user=request.user, pk=pk)
    if validation is None:
        raise Http404("Cette validation n'existe pas ou n'est pas de votre ressort.")
    form = WithdrawalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.validation_withdraw(
                actor=request.user,
                validation_id=validation.pk,
                reason=form.cleaned_data["reason"],
            )
        except AssessmentsError as error:
            _refusal_show(form, error)
        else:
            messages.success(
                request,
                f"Validation retirée : « {validation.competency.label} » pour "
                f"{validation.learner.first_name}.",
            )
            return redirect("accounts:staff-home")
    return render(
        request,
        "assessments/validation_withdraw.html",
        {"validation": validation, "form": form},
        status=400 if form.errors else 200,
    )


@informer_required
@require_http_methods(["GET", "POST"])
def visit_create(request):
    """A line of the visit register, in a few taps."""
    places = selectors.informer_place_list(user=request.user)
    form = VisitForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.visit_record(
                informer=request.user,
                place=data["place"],
                purpose=data["purpose"],
                commune=data["commune"],
                age_band=data["age_band"],
                minutes=data["minutes"],
                printed=data["printed"],
            )
        except AssessmentsError as error:
            _refusal_show(form, error)
        else:
            messages.success(
                request,
                f"Passage noté au registre de {visit.place.nom} "
                f"({visit.get_purpose_display()}, {visit.minutes} min).",
            )
            return redirect("accounts:staff-home")
    return render(
        request,
        "assessments/visit_form.html",
        {"form": form, "places": places},
        status=400 if form.errors else 200,
    )


def _month(request) -> date | None:
    """?mois=2026-12; this month without it; None when unreadable."""
    value = request.GET.get("mois", "")
    if not value:
        return timezone.localdate().replace(day=1)
    try:
        month = datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None


MONTH_REFUSAL = "Le mois s'écrit sous la forme 2026-12 (année, tiret, mois)."


def _register_place(request, place_id: int):
    place = selectors.register_place_get(user=request.user, pk=place_id)
    if place is None:
        raise Http404(
            "Ce lieu n'existe pas ou son registre n'est pas de votre ressort."
        )
    return place


@login_required
@require_GET
def register_summary(request, place_id: int):
    """A place's month: counts, an accessible chart, the CSV export."""
    place = _register_place(request, place_id)
    month = _month(request)
    if month is None:
        return render(
            request,
            "assessments/register_summary.html",
            {"place": place, "refusal": MONTH_REFUSAL},
            status=400,
        )
    summary = selectors.register_summary(place=place, month=month)
    return render(
        request,
        "assessments/register_summary.html",
        {"place": place, "summary": summary},
    )


@login_required
@require_GET
def register_csv(request, place_id: int):
    """The month's lines for a French spreadsheet: UTF-8 with BOM, « ; »."""
    place = _register_place(request, place_id)
    month = _month(request)
    if month is None:
        return HttpResponse(
            MONTH_REFUSAL, status=400, content_type="text/plain; charset=utf-8"
        )
    summary = selectors.register_summary(place=place, month=month)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="registre-{place.pk}-{month:%Y-%m}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(
        ["date", "heure", "motif", "commune", "tranche d'âge", "minutes", "impression"]
    )
    for visit in summary.visits:
        moment = timezone.localtime(visit.visited_at)
        writer.writerow(
            [
                f"{moment:%d/%m/%Y}",
                f"{moment:%H:%M}",
                visit.get_purpose_display(),
                visit.commune.name if visit.commune else "",
                visit.get_age_band_display(),
                visit.minutes,
                "oui" if visit.printed else "non",
            ]
        )
    return response
