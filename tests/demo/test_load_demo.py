"""`load_demo`: every account the README lists, in the state it describes, and the
same state however many times it runs."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import Role, RoleMembership, User
from assessments.models import (
    Attainment,
    AttainmentSource,
    Attempt,
    AttemptState,
    Visit,
)
from assessments.selectors import learner_progress
from certificates.models import Certificate, CertificateStatus
from demo.services import DEMO_ACCOUNTS, DEMO_PASSWORD
from reminders.models import ReminderSettings
from reminders.selectors import planning_for
from territories.models import Commune, Pilot
from tests.accounts.test_account_deletion import row_counts
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

LEARNER = "jeune@demo.majorite-prete.fr"
NEWCOMER = "nouveau@demo.majorite-prete.fr"


def _row_counts() -> dict[str, int]:
    # The journal grows with each run: re-importing the help places is journaled.
    return {
        label: count
        for label, count in row_counts().items()
        if label != "core.journalentry"
    }


@pytest.fixture
def demo(settings, capsys):
    settings.DEBUG = True
    call_command("load_demo")
    settings.DEBUG = False
    return capsys.readouterr().out


def test_load_demo_twice_is_the_same_state(demo, settings):
    first = _row_counts()
    learner = User.objects.get(email=LEARNER)
    attempts = list(Attempt.objects.filter(learner=learner).values_list("pk"))
    settings.DEBUG = True
    call_command("load_demo")
    assert _row_counts() == first
    assert list(Attempt.objects.filter(learner=learner).values_list("pk")) == attempts
    assert Commune.objects.count() == 151
    assert Pilot.objects.get().epci.siren == "200006971"
    assert RoleMembership.objects.count() == 3


def test_the_informer_works_at_the_pij_whose_register_has_a_few_lines(demo, settings):
    settings.DEBUG = True
    call_command("load_demo")  # the lines are written once
    informer = RoleMembership.objects.get(role=Role.INFORMER)
    assert informer.places.get().standard_id == "demo-pij-cc-perche"
    # Five register lines, and the visit of Inès's validation session.
    assert Visit.objects.filter(recorded_by=informer.user).count() == 6


def test_every_account_signs_in_with_the_demo_password(demo, client):
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    for account in DEMO_ACCOUNTS:
        assert account.email in demo  # the command lists them
        assert client.login(email=account.email, password=DEMO_PASSWORD)


def test_the_learner_has_lived_a_few_weeks_on_the_site(demo, client):
    """« 3 modules sur 7 faits, 2 en cours dont un quiz à repasser, le recensement
    à rattraper », as the README says."""
    learner = User.objects.get(email=LEARNER)
    progress = learner_progress(learner=learner)
    states = {item.module.slug: item.state for item in progress.modules}
    assert len(states) == 7
    assert sorted(slug for slug, state in states.items() if state == "acquis") == [
        "assurance",
        "citoyennete-calendrier",
        "mutuelle",
    ]
    assert sorted(slug for slug, state in states.items() if state == "en cours") == [
        "caf",
        "compte-bancaire",
    ]
    assert (len(progress.attained), progress.total) == (7, 17)

    client.force_login(learner)
    failed = Attempt.objects.get(
        learner=learner, module__slug="caf", state=AttemptState.GRADED
    )
    result = page_text(client.get(f"/quiz/{failed.pk}/resultat/"))
    assert "Pas de panique" in result
    assert "tu peux réessayer à partir du" in result  # the cooldown, still running
    assert "Tu as réussi 0 question sur" in result
    module = page_text(client.get(failed.module.url))
    assert "Tu pourras refaire ce quiz à partir du" in module

    planning = planning_for(learner=learner, today=timezone.localdate())
    assert "CIT-RECENS" in [deadline.rule.code for deadline in planning.missed]
    assert [deadline.rule.code for deadline in planning.done] == ["SAN-VITALE"]
    page = page_text(client.get("/planning/"))
    assert "Te faire recenser à la mairie" in page
    assert "tu peux régulariser jusqu'à 25 ans" in page
    reminders = ReminderSettings.objects.get(learner=learner)
    assert reminders.enabled
    assert (reminders.days_before, reminders.concerns) == ([7, 1], ["student"])


def test_the_newcomer_goes_through_the_onboarding(demo, client):
    response = client.post(
        "/compte/login/", {"login": NEWCOMER, "password": DEMO_PASSWORD}
    )
    assert response.url == "/bienvenue/"
    newcomer = User.objects.get(email=NEWCOMER)
    assert not newcomer.is_onboarded
    assert newcomer.emailaddress_set.get().verified
    assert not Attempt.objects.filter(learner=newcomer).exists()


def test_load_demo_refuses_outside_embedded_mode(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="mode embarqué"):
        call_command("load_demo")
    assert not User.objects.exists()


def test_ines_went_all_the_way_and_holds_her_certificate(demo):
    ines = User.objects.get(email="certifiee@demo.majorite-prete.fr")
    attained = Attainment.objects.filter(learner=ines)
    assert attained.count() == 17
    assert attained.filter(source=AttainmentSource.IN_PERSON).count() == 4
    assert Certificate.objects.get(learner=ines).status == CertificateStatus.VALID
