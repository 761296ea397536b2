"""Reads of the directory: the search around a point, a place, its hours in French."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils import timezone
from opening_hours import OpeningHours, ParserError, State

from core.formatting import WEEKDAYS, date_text, time_text

from . import geo
from .models import HelpPlace
from .standard import TIMEZONE, opening_hours_parse

FREE = "Gratuit"
ADMINISTRATIVE_HELP = "Aide aux démarches administratives"
SATURDAY = 5
HOURS_UNKNOWN = "Horaires à confirmer"


def _now(now: datetime | None) -> datetime:
    return (now or timezone.now()).astimezone(TIMEZONE)


def _hours(place: HelpPlace) -> OpeningHours | None:
    """The place's parsed opening hours; None when empty (or, defensively, invalid).

    Parsed once per place object: the filters, the summary and the API read them."""
    source = place.horaires.strip()
    cached = getattr(place, "_parsed_hours", None)
    if cached is not None and cached[0] == source:
        return cached[1]
    try:
        hours = opening_hours_parse(source) if source else None
    except ParserError:
        hours = None
    place._parsed_hours = (source, hours)
    return hours


def _is_open(hours: OpeningHours | None, now: datetime) -> bool:
    return hours is not None and hours.is_open(now)


def help_place_is_open(place: HelpPlace, now: datetime | None = None) -> bool:
    """Open at `now` by its hours (unknown hours: not open)."""
    return _is_open(_hours(place), _now(now))


def learner_commune(user):
    """The commune of a signed-in learner's profile; None for a visitor or staff."""
    if user is None or not user.is_authenticated:
        return None
    profile = getattr(user, "learner_profile", None)
    return profile.commune if profile is not None else None


def _opens_on_saturday(hours: OpeningHours | None, now: datetime) -> bool:
    """Open at some time on one of the next two Saturdays (a holiday may close one)."""
    if hours is None:
        return False
    today = now.date()
    first = today + timedelta(days=(SATURDAY - today.weekday()) % 7)
    for saturday in (first, first + timedelta(days=7)):
        start, end = _day_bounds(saturday)
        for _start, _end, state, _comment in hours.intervals(start, end):
            if state == State.OPEN:
                return True
    return False


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight, in Paris time."""
    following = day + timedelta(days=1)
    return (
        datetime(day.year, day.month, day.day, tzinfo=TIMEZONE),
        datetime(following.year, following.month, following.day, tzinfo=TIMEZONE),
    )


def _contains_all(values: list, wanted: Iterable[str]) -> bool:
    return set(wanted) <= set(values or ())


def help_place_bbox_queryset(*, origin_lat: float, origin_lon: float, radius_km: float):
    """The database pre-filter: places whose coordinates fall in the radius's box."""
    box = geo.bounding_box(origin_lat, origin_lon, radius_km)
    queryset = HelpPlace.objects.filter(
        latitude__gte=box.min_lat, latitude__lte=box.max_lat
    )
    if -180.0 <= box.min_lon and box.max_lon <= 180.0:
        queryset = queryset.filter(
            longitude__gte=box.min_lon, longitude__lte=box.max_lon
        )
    # Otherwise the box crosses the antimeridian or a pole: latitude alone filters.
    return queryset.select_related("commune")


class PlaceList(list):
    """Found places, and how many the hours filters left out because their hours
    are unknown (the page says so, rather than hiding them silently)."""

    unknown_hours_left_out: int = 0


def _hours_unknown(hours: OpeningHours | None, now: datetime) -> bool:
    return hours is None or hours.is_unknown(now)


def help_place_search(
    *,
    origin_lat: float,
    origin_lon: float,
    radius_km: float,
    services: Iterable[str] = (),
    publics: Iterable[str] = (),
    free_only: bool = False,
    open_now: bool = False,
    open_saturday: bool = False,
    with_unknown_hours: bool = False,
    now: datetime | None = None,
    limit: int = 50,
) -> PlaceList:
    """Places within `radius_km` of a point, nearest first, each with `.distance_km`.

    A bounding box narrows the rows in the database; the exact great-circle distance
    and the filters on multi-valued fields (JSON lists) run in Python, the same on
    PostgreSQL and SQLite. The hours filters leave out places whose hours are
    unknown, and count them, unless `with_unknown_hours`.
    """
    now = _now(now)
    services, publics = tuple(services), tuple(publics)
    found = PlaceList()
    unknown_hours_left_out = 0
    for place in help_place_bbox_queryset(
        origin_lat=origin_lat, origin_lon=origin_lon, radius_km=radius_km
    ):
        distance = geo.haversine_km(
            origin_lat, origin_lon, place.latitude, place.longitude
        )
        if distance > radius_km:
            continue
        if not _contains_all(place.services, services):
            continue
        if not _contains_all(place.publics_specifiquement_adresses, publics):
            continue
        if free_only and FREE not in (place.frais_a_charge or ()):
            continue
        if open_now or open_saturday:
            hours = _hours(place)
            if _hours_unknown(hours, now):
                if not with_unknown_hours:
                    unknown_hours_left_out += 1
                    continue
            elif open_now and not _is_open(hours, now):
                continue
            elif open_saturday and not _opens_on_saturday(hours, now):
                continue
        place.distance_km = distance
        found.append(place)
    found.sort(key=lambda place: (place.distance_km, place.nom, place.pk))
    del found[limit:]
    found.unknown_hours_left_out = unknown_hours_left_out
    for place in found:
        place.hours_summary = hours_summary(place, now)
    return found


def help_place_get(*, pk: int) -> HelpPlace | None:
    return HelpPlace.objects.select_related("commune", "epci").filter(pk=pk).first()


def help_place_distance_km(
    *, place: HelpPlace, origin_lat: float, origin_lon: float
) -> float | None:
    if place.latitude is None or place.longitude is None:
        return None
    return geo.haversine_km(origin_lat, origin_lon, place.latitude, place.longitude)


def _when(moment: datetime, now: datetime) -> str:
    """« à 14 h », « demain à 9 h », « lundi à 9 h », « le mardi 14 juillet à 9 h »."""
    moment = moment.astimezone(TIMEZONE)
    days = (moment.date() - now.date()).days
    if days == 1 and moment.hour == 0 and moment.minute == 0:
        return "à minuit"
    if days == 0:
        return f"à {time_text(moment)}"
    if days == 1:
        return f"demain à {time_text(moment)}"
    if days < 7:
        return f"{WEEKDAYS[moment.weekday()]} à {time_text(moment)}"
    day = date_text(moment.date(), weekday=True, year=False)
    return f"le {day} à {time_text(moment)}"


def hours_summary(place: HelpPlace, now: datetime | None = None) -> str:
    """The place's state in plain French: « Ouvert — ferme à 18 h 30 »."""
    now = _now(now)
    hours = _hours(place)
    if hours is None or hours.is_unknown(now):
        return HOURS_UNKNOWN
    change = hours.next_change(now)
    if hours.is_open(now):
        if change is None:
            return "Ouvert — 24 h sur 24"
        return f"Ouvert — ferme {_when(change, now)}"
    if change is None:
        return "Fermé"
    return f"Fermé — ouvre {_when(change, now)}"


@dataclass(frozen=True)
class DayHours:
    label: str  # « lundi 14 juillet »
    text: str  # « 9 h – 12 h, 14 h – 18 h » or « fermé »


def hours_week(place: HelpPlace, now: datetime | None = None) -> list[DayHours]:
    """The opening hours of the next seven days, holidays included; [] if unknown."""
    hours = _hours(place)
    if hours is None:
        return []
    now = _now(now)
    today = now.date()
    days = []
    for offset in range(7):
        day = today + timedelta(days=offset)
        start, end = _day_bounds(day)
        slots = [
            f"{time_text(opens)} – {'minuit' if closes >= end else time_text(closes)}"
            for opens, closes, state, _comment in hours.intervals(start, end)
            if state == State.OPEN
        ]
        if slots == ["0 h – minuit"]:
            slots = ["24 h sur 24"]
        label = date_text(day, weekday=True, year=False)
        days.append(DayHours(label=label, text=", ".join(slots) or "fermé"))
    return days


# Radii tried in turn by `help_places_nearest`. Beyond 100 km (over an hour by road)
# a place is no longer help "near home": the page offers the search instead.
NEAREST_RADII_KM = (10, 30, 60, 100)


def help_places_nearest(
    *,
    commune,
    limit: int = 3,
    service: str = ADMINISTRATIVE_HELP,
    now: datetime | None = None,
) -> list[HelpPlace]:
    """The `limit` places offering `service` nearest to the commune's town hall,
    nearest first, each with `.distance_km` and `.hours_summary`.

    No fixed radius: the search widens (`NEAREST_RADII_KM`) until its circle holds
    `limit` places. A place inside the circle is nearer than any place outside it, so
    the first circle holding enough places holds the nearest ones. One query per
    radius tried (at most four), none per place; fewer places, or none, when the
    directory has no more within the last radius.
    """
    if commune is None or commune.latitude is None or commune.longitude is None:
        return []
    found: list[HelpPlace] = []
    for radius_km in NEAREST_RADII_KM:
        found = []
        for place in help_place_bbox_queryset(
            origin_lat=commune.latitude,
            origin_lon=commune.longitude,
            radius_km=radius_km,
        ):
            if service not in (place.services or ()):
                continue
            distance = geo.haversine_km(
                commune.latitude, commune.longitude, place.latitude, place.longitude
            )
            if distance <= radius_km:
                place.distance_km = distance
                found.append(place)
        if len(found) >= limit:
            break
    found.sort(key=lambda place: (place.distance_km, place.nom, place.pk))
    found = found[:limit]
    now = _now(now)
    for place in found:
        place.hours_summary = hours_summary(place, now)
    return found
