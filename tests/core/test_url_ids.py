"""An id typed in the address bar fits the column it looks up, or the page is a 404:
a longer one used to reach the database (OverflowError on SQLite, out of range on
PostgreSQL) and answer 500. SQLite is tried for real in test_embedded_mode.py."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.converters import IntConverter

from tests.factories import LearnerProfileFactory, RoleMembershipFactory

INT32_MAX = 2**31 - 1  # Wagtail pages, revocation lists: 32-bit columns
ID_MAX = 2**63 - 1  # our BigAutoField ids
HUGE = 99999999999999999999
PROJECT_APPS = {
    "accounts",
    "assessments",
    "certificates",
    "core",
    "curriculum",
    "demo",
    "directory",
    "majority_ready",
    "reminders",
    "territories",
}

# URL: (its name, who may open it (POST) or None (GET, anyone), the column's maximum)
URLS = {
    "/quiz/module/{}/commencer/": ("assessments:attempt-start", "learner", INT32_MAX),
    "/planning/{}/fait/": ("reminders:deadline-done", "learner", ID_MAX),
    "/aide/lieu/{}/": ("directory:place-detail", None, ID_MAX),
    "/certificats/statut/{}/": ("certificates:status-list-number", None, INT32_MAX),
    "/espace/roles/{}/retirer/": ("accounts:role-revoke", "coordinator", ID_MAX),
    "/espace/roles/invitations/{}/annuler/": (
        "accounts:role-invitation-cancel",
        "coordinator",
        ID_MAX,
    ),
}
CASES = [(url, *case) for url, case in URLS.items()]


# Wagtail's snippet viewsets build their own routes for our models (staff only; their
# lookups by a plain BigAutoField primary key are range-checked by Django itself).
ADMIN_PREFIXES = ("cms/snippets/",)


def project_patterns(resolvers=None, prefix=""):
    """(route, pattern) of every URL served by the project's own views, outside
    Wagtail's snippet viewsets."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from project_patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            module = getattr(entry.callback, "__module__", "") or ""
            if module.split(".")[0] in PROJECT_APPS and not route.startswith(
                ADMIN_PREFIXES
            ):
                yield route, entry.pattern


def test_no_unbounded_integer_in_the_projects_urls():
    routes = dict(project_patterns())
    assert "quiz/module/<page_id:module_id>/commencer/" in routes
    unbounded = [
        route
        for route, pattern in routes.items()
        if any(
            type(converter) is IntConverter
            for converter in getattr(pattern, "converters", {}).values()
        )
    ]
    assert unbounded == []


@pytest.mark.parametrize(("url", "name", "who", "largest"), CASES)
def test_ids_beyond_the_column_match_no_url(url, name, who, largest):
    assert resolve(url.format(largest)).view_name == name
    for value in (largest + 1, ID_MAX + 1, HUGE):
        assert resolve(url.format(value)).view_name != name, value


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "name", "who", "largest"), CASES)
def test_ids_beyond_the_column_are_not_found(client, site, url, name, who, largest):
    if who == "learner":
        client.force_login(LearnerProfileFactory().user)
    elif who == "coordinator":
        client.force_login(RoleMembershipFactory().user)
    send = client.get if who is None else client.post
    for value in (0, largest, largest + 1, ID_MAX + 1, HUGE):
        assert send(url.format(value)).status_code == 404, value
