"""Template filters of core/formatting.py: {% load french %}."""

from datetime import date, datetime

from django import template

from core import formatting

register = template.Library()


@register.filter
def quantity(number: int, forms: str) -> str:
    """{{ n|quantity:"lieu,lieux" }} → « 0 lieu », « 1 lieu », « 2 lieux »."""
    one, many = forms.split(",")
    return formatting.quantity(number, one, many)


def _options(options: str) -> dict:
    """« jour » adds the weekday, « sans année » drops the year."""
    return {"weekday": "jour" in options, "year": "sans année" not in options}


@register.filter
def date_fr(value: date | datetime | None, options: str = "") -> str:
    """{{ d|date_fr }} → « 1er juin 2027 »; {{ d|date_fr:"jour" }} → « mardi 1er juin
    2027 »."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = formatting.local(value).date()
    return formatting.date_text(value, **_options(options))


@register.filter
def datetime_fr(value: datetime | None, options: str = "") -> str:
    """{{ t|datetime_fr }} → « 1er juin 2027 à 9 h 30 » (Paris time);
    {{ t|datetime_fr:"jour sans année" }} → « mardi 1er juin à 9 h 30 »."""
    if value is None or value == "":
        return ""
    return formatting.datetime_text(value, **_options(options))


@register.filter
def time_fr(value: datetime | None) -> str:
    """{{ t|time_fr }} → « 9 h 30 » (Paris time)."""
    if value is None or value == "":
        return ""
    return formatting.time_text(formatting.local(value))


@register.filter
def month_fr(value: date) -> str:
    """{{ d|month_fr }} → « décembre 2026 »."""
    return formatting.month_text(value)


@register.filter
def until(day: date, today: date) -> str:
    """{{ opens_on|until:today }} → « dans 13 mois », « dans 3 semaines »."""
    return formatting.duration_until(day, today)


@register.filter
def opening_hours(source: str) -> str | None:
    """{{ place.horaires|opening_hours }} → « tous les jours de 8 h 30 à 18 h 30 »."""
    return formatting.opening_hours_text(source or "")
