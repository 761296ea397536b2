"""Showing the data export (nested dicts, lists, dates) as a page a person reads."""

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils.text import capfirst

register = template.Library()


@register.filter
def data_kind(value) -> str:
    if isinstance(value, dict):
        return "dict"
    if isinstance(value, list | tuple):
        return "list"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if value is None or value == "":
        return "empty"
    if isinstance(value, Decimal):
        return "number"
    return "text"


@register.filter
def data_items(value: dict) -> list:
    """A dict's pairs (a key named "items" would shadow .items in a template)."""
    return list(value.items())


@register.filter
def data_label(key: str) -> str:
    """The export's keys read as words: "date_de_naissance" → "Date de naissance"."""
    return capfirst(str(key).replace("_", " "))
