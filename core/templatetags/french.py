from django import template

from core.text import quantity as _quantity

register = template.Library()


@register.filter
def quantity(number: int, forms: str) -> str:
    """{{ n|quantity:"lieu,lieux" }} → « 0 lieu », « 1 lieu », « 2 lieux »."""
    one, many = forms.split(",")
    return _quantity(number, one, many)
