"""French as it is written: dates (« 1er juin »), counts (« 0 question »), plain
durations (« dans 13 mois ») and opening hours in words (« du lundi au vendredi de
9 h à 12 h »). Every template (filters in core/templatetags/french.py), e-mail and
calendar feed goes through here."""

import re
from datetime import date, datetime, time

from django.utils import timezone

WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
# French groups thousands with a narrow no-break space: « 12 345 ».
THOUSANDS = "\u202f"


def quantity(number: int, one: str, many: str) -> str:
    """« 0 lieu créé », « 1 lieu créé », « 2 lieux créés »: 0 is singular in French."""
    return f"{number:,}".replace(",", THOUSANDS) + f" {one if number < 2 else many}"


def day_of_month(day: date) -> str:
    """« 1er », « 2 », « 31 »: the first of the month is « premier »."""
    return "1er" if day.day == 1 else str(day.day)


def date_text(day: date, *, weekday: bool = False, year: bool = True) -> str:
    """« 1er juin 2027 »; with weekday « mardi 1er juin 2027 »; without the year
    « 1er juin »."""
    text = f"{day_of_month(day)} {MONTHS[day.month - 1]}"
    if year:
        text += f" {day.year}"
    return f"{WEEKDAYS[day.weekday()]} {text}" if weekday else text


def month_text(day: date) -> str:
    """« décembre 2026 »: the month of that day."""
    return f"{MONTHS[day.month - 1]} {day.year}"


def time_text(moment: time | datetime) -> str:
    """« 9 h », « 8 h 30 », « 12 h »."""
    if moment.minute:
        return f"{moment.hour} h {moment.minute:02d}"
    return f"{moment.hour} h"


def local(moment: datetime) -> datetime:
    """An aware time in the site's time zone (Paris); a naive one as it is."""
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


def datetime_text(moment: datetime, *, weekday: bool = False, year: bool = True) -> str:
    """« 1er juin 2027 à 9 h 30 », in Paris time."""
    moment = local(moment)
    return (
        f"{date_text(moment.date(), weekday=weekday, year=year)} à {time_text(moment)}"
    )


def _whole_months(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - 1 if end.day < start.day else months


def duration_until(day: date, today: date) -> str:
    """How far `day` is, in plain words: « aujourd'hui », « demain », « dans 5 jours »,
    « dans 3 semaines », « dans 13 mois » (never « 1 année, 1 mois »)."""
    days = (day - today).days
    if days <= 0:
        return "aujourd'hui"
    if days == 1:
        return "demain"
    if days < 14:
        return f"dans {quantity(days, 'jour', 'jours')}"
    if days < 60:
        return f"dans {quantity(days // 7, 'semaine', 'semaines')}"
    return f"dans {_whole_months(today, day)} mois"


# Opening hours, OpenStreetMap syntax (the national standard of help places). The
# common shapes are put into words; anything else (months, weeks, comments…) is left
# to the day-by-day view, which reads every rule.
OSM_DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
HOLIDAYS = "PH"
_DAY_ITEM = r"(?:Mo|Tu|We|Th|Fr|Sa|Su)(?:-(?:Mo|Tu|We|Th|Fr|Sa|Su))?|PH"
_SPAN = r"\d{2}:\d{2}-\d{2}:\d{2}"
_RULE = re.compile(
    rf"^(?P<days>(?:{_DAY_ITEM})(?:,(?:{_DAY_ITEM}))*)?\s*"
    rf"(?:(?P<spans>{_SPAN}(?:,{_SPAN})*)|(?P<off>off|closed))?$"
)
Spans = tuple[tuple[str, str], ...]


def _clock(value: str) -> str:
    """« 08:30 » → « 8 h 30 »; « 24:00 » → « minuit »."""
    hours, minutes = (int(part) for part in value.split(":"))
    if hours == 24 and minutes == 0:
        return "minuit"
    return time_text(time(hours % 24, minutes))


def _spans_text(spans: Spans) -> str:
    if spans == (("00:00", "24:00"),):
        return "24 h sur 24"
    return _listing([f"de {_clock(start)} à {_clock(end)}" for start, end in spans])


def _listing(parts: list[str]) -> str:
    """« a », « a et b », « a, b et c »."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} et {parts[-1]}"


def _days_text(days: list[int]) -> str:
    """[0, 1, 2, 3, 4] → « du lundi au vendredi »; [0, 2] → « le lundi et le
    mercredi »; all seven → « tous les jours »."""
    if len(days) == 7:
        return "tous les jours"
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][-1] == day - 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"du {WEEKDAYS[run[0]]} au {WEEKDAYS[run[-1]]}")
        else:
            parts.extend(f"le {WEEKDAYS[day]}" for day in run)
    return _listing(parts)


def _selected_days(selector: str) -> list[int | str]:
    days: list[int | str] = []
    for item in selector.split(","):
        if item == HOLIDAYS:
            days.append(HOLIDAYS)
            continue
        first, _, last = item.partition("-")
        start = OSM_DAYS.index(first)
        end = OSM_DAYS.index(last or first)
        days.extend((start + step) % 7 for step in range((end - start) % 7 + 1))
    return days


def opening_hours_text(source: str) -> str | None:
    """« Mo-Su 08:30-18:30 » → « tous les jours de 8 h 30 à 18 h 30 »;
    « Mo-Fr 09:00-12:00,14:00-17:00 » → « du lundi au vendredi de 9 h à 12 h et de
    14 h à 17 h ; fermé le samedi et le dimanche ». None when the hours are unknown
    or in a shape this does not put into words."""
    source = source.strip()
    if not source:
        return None
    week: dict[int | str, Spans] = {}
    for rule in filter(None, (part.strip() for part in source.split(";"))):
        if rule == "24/7":
            week.update(dict.fromkeys(range(7), (("00:00", "24:00"),)))
            continue
        match = _RULE.match(rule)
        if match is None or not (match["spans"] or match["off"]):
            return None
        spans: Spans = tuple(
            (span[:5], span[6:]) for span in (match["spans"] or "").split(",") if span
        )
        selected = _selected_days(match["days"]) if match["days"] else list(range(7))
        # As in OpenStreetMap, a later rule replaces the hours of the days it names.
        week.update(dict.fromkeys(selected, spans))
    groups: dict[Spans, list[int]] = {}
    for day in range(7):
        groups.setdefault(week.get(day, ()), []).append(day)
    open_parts = [
        f"{_days_text(days)} {_spans_text(spans)}"
        for spans, days in groups.items()
        if spans
    ]
    closed = groups.get((), [])
    parts = open_parts + ([f"fermé {_days_text(closed)}"] if closed else [])
    if HOLIDAYS in week:
        holidays = week[HOLIDAYS]
        parts.append(
            f"les jours fériés {_spans_text(holidays)}"
            if holidays
            else "fermé les jours fériés"
        )
    return " ; ".join(parts)
