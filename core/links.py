"""Absolute links the site sends (e-mails, calendar feed): always on its public
address, SITE_URL, whatever address a request came in by."""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings


def site_link(location: str) -> str:
    """`location` (a path, or a link built on another address) on SITE_URL."""
    parts = urlsplit(location)
    return settings.SITE_URL + urlunsplit(
        ("", "", parts.path, parts.query, parts.fragment)
    )
