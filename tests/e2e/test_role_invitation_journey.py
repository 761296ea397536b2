"""A coordinator invites a new informer on a phone; the informer, who has no account
yet, opens the e-mail's link, signs up with the invited address and accepts."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Role, RoleMembership
from tests.factories import EPCIFactory, RoleMembershipFactory

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Un-mot-de-passe-solide-2026"
NEWCOMER = "karim.informateur-jeunesse@cc-du-perche.example.fr"


def test_coordinator_invites_and_the_newcomer_accepts(browser, page, live_server, site):
    epci = EPCIFactory(name="Communauté de communes du Perche")
    coordinator = RoleMembershipFactory(role=Role.COORDINATOR, epci=epci).user
    RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=epci)

    log_in(page, coordinator.email, "Mot-de-passe-solide-42")
    page.goto("/espace/roles/")
    page.get_by_label("Adresse e-mail professionnelle").fill(NEWCOMER)
    page.get_by_label("Rôle", exact=True).select_option(label="Informateur·rice")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Invitation envoyée à {NEWCOMER} : le rôle sera actif"
    )
    invitations = page.get_by_role("region", name="Invitations en attente")
    expect(invitations.get_by_text(NEWCOMER, exact=True)).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)  # long addresses wrap: no wide table

    link = re.search(r"https?://\S+(/espace/invitation/\S+/)", mail.outbox[0].body)[1]
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="fr-FR", base_url=live_server.url
    )
    newcomer = context.new_page()
    newcomer.goto(link)
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(
        "Invitation à rejoindre Majorité prête"
    )
    assert "/espace/invitation/" == newcomer.url.removeprefix(live_server.url)
    assert serious_violations(newcomer) == []
    assert fits_phone_width(newcomer)

    newcomer.get_by_role("link", name="Créer mon compte").click()
    newcomer.get_by_label("E-mail").fill(NEWCOMER)
    newcomer.get_by_label("Mot de passe", exact=False).first.fill(PASSWORD)
    newcomer.get_by_label("Mot de passe (confirmation)").fill(PASSWORD)
    newcomer.get_by_role("button", name="Création de compte").click()
    expect(newcomer.get_by_role("heading", level=1)).to_have_text(re.compile("adresse"))
    confirm = re.search(r"/compte/confirm-email/\S+/", mail.outbox[-1].body)[0]
    newcomer.goto(confirm)
    newcomer.get_by_role("button", name="Confirmer").click()

    newcomer.get_by_role("button", name="Accepter le rôle").click()
    expect(newcomer.get_by_role("status")).to_contain_text("C'est fait")
    assert (
        RoleMembership.objects.active()
        .filter(user__email=NEWCOMER, role=Role.INFORMER, epci=epci)
        .exists()
    )
    context.close()

    page.reload()
    roles = page.get_by_role("region", name="Rôles en cours")
    expect(roles.get_by_text(NEWCOMER, exact=True)).to_be_visible()
    expect(invitations.get_by_text(NEWCOMER, exact=True)).to_have_count(0)
    assert fits_phone_width(page)
