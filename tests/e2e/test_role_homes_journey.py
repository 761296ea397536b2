"""Each role signs in on a phone (360 px) and finds its way: its home, its header's
links, one of its tools; no sideways scrolling, axe-core clean."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from demo.services import DEMO_PASSWORD, demo_load
from tests.factories import (
    EPCIFactory,
    LearnerProfileFactory,
    RoleMembershipFactory,
    content_editor,
)

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Mot-de-passe-solide-42"  # the factories'
EPCI_NAME = "Communauté de communes des Collines du Perche Normand"


def _accounts():
    epci = EPCIFactory(name=EPCI_NAME)

    def role(kind, email):
        return RoleMembershipFactory(role=kind, epci=epci, user__email=email).user

    editor = content_editor(email="marc.editeur-des-contenus@majorite-prete.example.fr")
    return {
        "learner": LearnerProfileFactory(user__email="lina@exemple.fr").user,
        "informer": role(
            Role.INFORMER, "karim.informateur-jeunesse@cc-du-perche.example.fr"
        ),
        "school_staff": role(
            Role.SCHOOL_STAFF, "claire.conseillere-principale@lycee.example.fr"
        ),
        "coordinator": role(
            Role.COORDINATOR, "sophie.coordinatrice-territoire@cc-du-perche.example.fr"
        ),
        "editor": editor,
    }


NEVER_FOR_STAFF = ["Compléter mon profil", "Mon parcours", "Mon planning"]
NEVER_FOR_LEARNERS = ["Compléter mon profil", "Mon espace"]

# Who: (where the login lands, the heading there, header links, header links it
# must not have, the tool opened from the header or the home: link text, the
# address and heading it opens).
JOURNEYS = {
    "learner": (
        "/",
        None,
        ["Mon parcours", "Mon planning"],
        NEVER_FOR_LEARNERS,
        ("Mon parcours", "/parcours/", "Mon parcours"),
    ),
    "informer": (
        "/espace/",
        "Mon espace",
        ["Mon espace"],
        NEVER_FOR_STAFF,
        (
            "la recherche de lieux d'aide",
            "/aide/",
            "Trouver de l'aide près de chez toi",
        ),
    ),
    "school_staff": (
        "/espace/",
        "Mon espace",
        ["Mon espace"],
        NEVER_FOR_STAFF,
        (
            "la recherche de lieux d'aide",
            "/aide/",
            "Trouver de l'aide près de chez toi",
        ),
    ),
    "coordinator": (
        "/espace/",
        "Mon espace",
        ["Mon espace", "Rôles du territoire", "Lieux d'aide (admin)"],
        NEVER_FOR_STAFF,
        ("Rôles du territoire", "/espace/roles/", "Rôles de mon territoire"),
    ),
    "editor": (
        "/espace/",
        "Mon espace",
        ["Mon espace", "Contenus (admin)"],
        NEVER_FOR_STAFF,
        ("Contenus (admin)", "/cms/", None),
    ),
}
# Every account of `load_demo`, as the README describes them.
DEMO_JOURNEYS = {
    "jeune@demo.majorite-prete.fr": (
        "/",
        None,
        ["Mon parcours", "Mon planning"],
        NEVER_FOR_LEARNERS,
        ("Mon planning", "/planning/", "Mon planning"),
    ),
    "certifiee@demo.majorite-prete.fr": (
        "/",
        None,
        ["Mon parcours", "Mon planning"],
        NEVER_FOR_LEARNERS,
        ("Mon parcours", "/parcours/", "Mon parcours"),
    ),
    "nouveau@demo.majorite-prete.fr": (
        "/bienvenue/",
        "Compléter mon profil",
        ["Compléter mon profil", "Mon compte"],
        ["Mon parcours", "Mon planning", "Mon espace"],
        ("Mon compte", "/compte/", "Mon compte"),
    ),
    "informateur@demo.majorite-prete.fr": JOURNEYS["informer"],
    "etablissement@demo.majorite-prete.fr": JOURNEYS["school_staff"],
    "coordination@demo.majorite-prete.fr": JOURNEYS["coordinator"],
    "editeur@demo.majorite-prete.fr": JOURNEYS["editor"],
    "admin@demo.majorite-prete.fr": (
        "/espace/",
        "Mon espace",
        [
            "Mon espace",
            "Rôles du territoire",
            "Lieux d'aide (admin)",
            "Contenus (admin)",
        ],
        NEVER_FOR_STAFF,
        ("Rôles du territoire", "/espace/roles/", "Rôles de mon territoire"),
    ),
}


def _check_our_page(page):
    assert fits_phone_width(page), page.url
    assert serious_violations(page) == [], page.url


def _finds_its_way(browser, live_server, email: str, password: str, journey):
    landing, heading, links, absent, tool = journey
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        locale="fr-FR",
        base_url=live_server.url,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    log_in(page, email, password)
    expect(page).to_have_url(live_server.url + landing)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    header = page.get_by_role("navigation", name="Menu principal")
    for name in links:
        expect(header.get_by_role("link", name=name, exact=True)).to_be_visible()
    for name in absent:
        expect(header.get_by_role("link", name=name, exact=True)).to_have_count(0)
    _check_our_page(page)

    link_text, address, tool_heading = tool
    page.get_by_role("main").or_(header).get_by_role(
        "link", name=link_text, exact=True
    ).first.click()
    expect(page).to_have_url(re.compile(re.escape(live_server.url + address)))
    if tool_heading:  # our page (the CMS is Wagtail's)
        expect(page.get_by_role("heading", level=1)).to_have_text(tool_heading)
        _check_our_page(page)
    context.close()


def test_each_role_finds_its_home_and_its_tools(browser, live_server, site):
    """Long addresses and names, as real ones can be."""
    accounts = _accounts()
    for who, journey in JOURNEYS.items():
        _finds_its_way(browser, live_server, accounts[who].email, PASSWORD, journey)


def test_each_demo_account_finds_its_home_and_its_tools(browser, live_server):
    """With the demo's data: the learner's weeks of progress, the whole Perche."""
    accounts = demo_load()
    assert {account.email for account in accounts} == set(DEMO_JOURNEYS)
    for email, journey in DEMO_JOURNEYS.items():
        _finds_its_way(browser, live_server, email, DEMO_PASSWORD, journey)


def test_coordinator_confirms_a_revocation_without_javascript(
    page_without_js, live_server, site
):
    accounts = _accounts()
    page = page_without_js
    log_in(page, accounts["coordinator"].email, PASSWORD)
    page.goto("/espace/roles/")
    roles = page.get_by_role("region", name="Rôles en cours")
    roles.get_by_role(
        "link", name=f"Retirer le rôle de {accounts['informer'].email}"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Retirer un rôle")
    page.get_by_role("button", name="Retirer le rôle").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Rôle retiré à {accounts['informer'].email}"
    )
    # Her own role, the territory's only coordinator: refused before any click.
    roles.get_by_role(
        "link", name=f"Retirer le rôle de {accounts['coordinator'].email}"
    ).click()
    expect(page.get_by_role("alert")).to_contain_text("seule personne qui coordonne")
    expect(page.get_by_role("button", name="Retirer le rôle")).to_have_count(0)


def test_the_cms_refusal_on_a_phone(page, site):
    informer = _accounts()["informer"]
    log_in(page, informer.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    page.goto("/cms/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    page.get_by_role("link", name="Aller à mon accueil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    page.goto("/cms/pages/")
    _check_our_page(page)
    page.goto("/une-page-qui-nexiste-pas/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    _check_our_page(page)
