from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from . import selectors
from .forms import DEFAULT_RADIUS, HelpPlaceSearchForm


def help_place_search(request):
    """GET /aide/: help places around a commune (works without JavaScript)."""
    default_commune = selectors.learner_commune(request.user)
    data = None
    if request.GET or default_commune is not None:
        data = request.GET.copy()
        if not data.get("rayon"):
            data["rayon"] = str(DEFAULT_RADIUS)
    form = HelpPlaceSearchForm(data, default_commune=default_commune)
    places = None
    commune = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            commune = form.cleaned_data["commune"]
            places = selectors.help_place_search(
                origin_lat=commune.latitude,
                origin_lon=commune.longitude,
                now=timezone.now(),
                **form.search_filters(),
            )
        elif not form.needs_choice_only:
            status = 400
    show_unknown_url = None
    if places is not None and places.unknown_hours_left_out:
        query = request.GET.copy()
        query["horaires_inconnus"] = "1"
        show_unknown_url = f"?{query.urlencode()}#resultats"
    return render(
        request,
        "directory/help_place_search.html",
        {
            "form": form,
            "places": places,
            "commune": commune,
            "radius_km": form.cleaned_data.get("rayon") if places is not None else None,
            "show_unknown_url": show_unknown_url,
        },
        status=status,
    )


def help_place_detail(request, pk: int):
    place = selectors.help_place_get(pk=pk)
    if place is None:
        raise Http404("Ce lieu n'existe pas.")
    now = timezone.now()
    commune = selectors.learner_commune(request.user)
    distance_km = None
    if commune is not None:
        distance_km = selectors.help_place_distance_km(
            place=place, origin_lat=commune.latitude, origin_lon=commune.longitude
        )
    return render(
        request,
        "directory/help_place_detail.html",
        {
            "place": place,
            "hours_summary": selectors.hours_summary(place, now),
            "hours_week": selectors.hours_week(place, now),
            "learner_commune": commune,
            "distance_km": distance_km,
        },
    )
