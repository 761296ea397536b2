"""Integer URL parameters that fit the column they look up.

An id typed in the address bar can be any length: out of the column's range, the
database refuses it (SQLite: OverflowError; PostgreSQL: out of range) and the page
would answer 500. Such a value matches no URL, so the answer is a 404.
"""

from django.urls import register_converter


class BoundedIntConverter:
    regex = "[0-9]+"
    max_value: int

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > self.max_value:
            raise ValueError(f"{value} dépasse {self.max_value}")
        return number

    def to_url(self, value: int) -> str:
        return str(value)


class Int32Converter(BoundedIntConverter):
    """A number kept in a 32-bit integer column (a revocation list's number)."""

    max_value = 2**31 - 1


class PageIdConverter(Int32Converter):
    """Wagtail page ids: a 32-bit integer column."""


class IdConverter(BoundedIntConverter):
    """Our own ids: BigAutoField, a 64-bit integer column."""

    max_value = 2**63 - 1


def register() -> None:
    register_converter(PageIdConverter, "page_id")
    register_converter(Int32Converter, "int32")
    register_converter(IdConverter, "id")
