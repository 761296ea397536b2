"""A learner's last competency (the in-person one) is recorded, the worker issues the
certificate, the learner downloads the PDF from "Mon parcours", a visitor verifies
the code without an account, the coordinator revokes it, the visitor now reads
"révoquée". On a phone (360 px), axe-core clean, and without JavaScript for the
visitor."""

import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from assessments.events import attainment_recorded_notify
from assessments.models import Attainment, AttainmentSource
from certificates.codes import code_display
from certificates.models import Certificate
from curriculum.models import Competency
from tests.certificates.people import (
    attain,
    coordinator_of,
    framework_publish,
    learner_in,
    pilot_epci,
)

from .conftest import PHONE, fits_phone_width, log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Mot-de-passe-solide-42"  # the factories'


def _checked(page) -> None:
    assert serious_violations(page) == []
    assert fits_phone_width(page)


def test_issue_download_verify_revoke(browser, site, site_is_live_server, page):
    framework = framework_publish()
    epci = pilot_epci(name="Communauté de communes des Collines du Perche Normand")
    learner = learner_in(
        epci, first_name="Lina", last_name="Martin", email="lina@exemple.fr"
    )
    attain(learner, framework, skip={"TEST-03"})
    coordinator = coordinator_of(epci)

    log_in(page, learner.email, PASSWORD)
    page.goto("/parcours/")
    expect(page.get_by_role("heading", name="Ton attestation")).to_be_visible()
    expect(page.get_by_text("Il te reste 1 compétence à acquérir")).to_be_visible()

    # The informer records the in-person competency; after the commit, the worker
    # (in-process here) issues the certificate.
    with transaction.atomic():
        Attainment.objects.create(
            learner=learner,
            competency=Competency.objects.get(code="TEST-03"),
            framework=framework,
            source=AttainmentSource.IN_PERSON,
            attained_at=timezone.now(),
        )
        attainment_recorded_notify(learner_id=learner.pk, framework_id=framework.pk)
    certificate = Certificate.objects.get(learner=learner)

    page.goto("/parcours/")
    expect(page.get_by_text(certificate.code, exact=True)).to_be_visible()
    expect(
        page.get_by_role("link", name="la page de vérification de ton attestation")
    ).to_have_attribute(
        "href", re.compile(f"/certificats/verifier/{certificate.code}/$")
    )
    _checked(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'attestation (PDF)").click()
    with open(download.value.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"

    visitor_context = browser.new_context(
        viewport=PHONE, locale="fr-FR", base_url=site_is_live_server.url
    )
    visitor = visitor_context.new_page()
    visitor.goto("/certificats/verifier/")
    _checked(visitor)
    visitor.get_by_label("Code de vérification").fill(code_display(certificate.code))
    visitor.get_by_role("button", name="Vérifier").click()
    expect(visitor.get_by_text("Lina M.")).to_be_visible()
    expect(visitor.get_by_text(epci.name)).to_be_visible()
    _checked(visitor)
    visitor.goto("/certificats/controle/")
    _checked(visitor)

    coordination_context = browser.new_context(
        viewport=PHONE, locale="fr-FR", base_url=site_is_live_server.url
    )
    coordination = coordination_context.new_page()
    log_in(coordination, coordinator.email, PASSWORD)
    coordination.goto("/espace/attestations/")
    _checked(coordination)
    coordination.get_by_role(
        "link", name=f"Révoquer l'attestation {certificate.code}"
    ).click()
    _checked(coordination)
    coordination.get_by_role("button", name="Révoquer l'attestation").click()
    expect(
        coordination.get_by_text("Indiquez la raison de la révocation.").first
    ).to_be_visible()
    coordination.get_by_label("Raison de la révocation").fill(
        "Attestation délivrée par erreur."
    )
    coordination.get_by_role("button", name="Révoquer l'attestation").click()
    expect(
        coordination.get_by_text(f"Attestation {certificate.code} révoquée")
    ).to_be_visible()
    coordination.get_by_role("button", name="Lancer le lot").click()
    expect(coordination.get_by_role("heading", name="Lot du")).to_be_visible()
    _checked(coordination)

    visitor.goto(f"/certificats/verifier/{certificate.code}/")
    expect(visitor.get_by_text("Révoquée", exact=True)).to_be_visible()
    assert "Lina" not in visitor.content()
    _checked(visitor)
    visitor_context.close()

    # The verification needs no JavaScript (axe-core does: checked above).
    no_script = browser.new_context(
        viewport=PHONE,
        locale="fr-FR",
        base_url=site_is_live_server.url,
        java_script_enabled=False,
    ).new_page()
    no_script.goto("/certificats/verifier/")
    no_script.get_by_label("Code de vérification").fill(certificate.code.lower())
    no_script.get_by_role("button", name="Vérifier").click()
    expect(no_script.get_by_text("Révoquée", exact=True)).to_be_visible()
    assert fits_phone_width(no_script)
    no_script.context.close()
    coordination_context.close()
