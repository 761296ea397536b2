from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from accounts.decorators import learner_required
from core.links import site_link

from . import selectors, services
from .errors import RemindersError
from .feeds import calendar_feed
from .forms import EventDatesForm, PreferencesForm
from .models import EventKind


def _feed_url(settings) -> str:
    return site_link(reverse("reminders:feed", args=[settings.feed_token]))


@learner_required
def planning(request):
    today = timezone.localdate()
    settings = services.planning_ensure(learner=request.user, today=today)
    form = EventDatesForm(
        request.POST or None,
        initial=selectors.learner_event_dates(learner=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            for kind in EventKind.values:
                if kind in form.changed_data:
                    services.learner_event_set(
                        learner=request.user, kind=kind, day=form.cleaned_data[kind]
                    )
        except RemindersError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "C'est noté : ton planning est à jour.")
            return redirect("reminders:planning")
    return render(
        request,
        "reminders/planning.html",
        {
            "planning": selectors.planning_for(learner=request.user, today=today),
            "form": form,
            "settings": settings,
            "feed_url": _feed_url(settings),
        },
        status=400 if form.errors else 200,
    )


@learner_required
@require_POST
def deadline_done(request, deadline_id: int):
    done = request.POST.get("done") == "1"
    try:
        deadline = services.deadline_mark_done(
            learner=request.user, deadline_id=deadline_id, done=done
        )
    except RemindersError as error:
        raise Http404(error.message) from error
    if done:
        messages.success(request, f"Bravo : « {deadline.rule.title} » est fait.")
    return redirect("reminders:planning")


@learner_required
@require_POST
def feed_regenerate(request):
    services.feed_token_regenerate(learner=request.user)
    messages.success(
        request,
        "Nouvelle adresse créée : l'ancienne ne marche plus. Ajoute la nouvelle à ton "
        "agenda.",
    )
    return redirect(reverse("reminders:planning") + "#agenda")


def feed(request, token: str):
    settings = selectors.reminder_settings_get_by_feed_token(token=token)
    if settings is None:
        raise Http404("Ce calendrier n'existe pas.")
    deadlines = selectors.feed_deadline_list(
        learner=settings.learner, today=timezone.localdate()
    )
    response = HttpResponse(
        calendar_feed(deadlines=deadlines, now=timezone.now()),
        content_type="text/calendar; charset=utf-8",
    )
    response["Content-Disposition"] = 'inline; filename="mon-planning.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


@learner_required
def preferences(request):
    settings = services.reminder_settings_for(learner=request.user)
    form = PreferencesForm(
        request.POST or None,
        initial={
            "enabled": settings.enabled,
            "remind_on_opening": settings.remind_on_opening,
            "days_before": settings.days_before,
            "concerns": settings.concerns,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reminder_preferences_update(
                learner=request.user, **form.cleaned_data
            )
        except RemindersError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Tes réglages sont enregistrés.")
            return redirect("reminders:planning")
    return render(
        request,
        "reminders/preferences.html",
        {"form": form, "settings": settings},
        status=400 if form.errors else 200,
    )


@csrf_exempt  # RFC 8058: the mail client posts here, with no session and no form.
def unsubscribe(request, token: str):
    if request.method == "POST":
        try:
            services.reminders_unsubscribe(token=token)
        except RemindersError as error:
            return render(
                request,
                "reminders/unsubscribe.html",
                {"error": error.message},
                status=400,
            )
        return render(request, "reminders/unsubscribe.html", {"done": True})
    return render(request, "reminders/unsubscribe.html", {"token": token})
