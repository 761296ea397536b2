"""Every rule of eligibility, alone and together, with the words the learner reads."""

from datetime import timedelta

import pytest
from django.utils import timezone

from certificates.eligibility import Rule, certificate_eligibility
from certificates.services import certificate_issue, certificate_revoke
from curriculum.models import Framework
from tests.factories import CommuneFactory, EPCIFactory, UserFactory

from .people import (
    attain,
    coordinator_of,
    framework_publish,
    learner_in,
    pilot_epci,
    years_ago,
)


def test_a_learner_meeting_every_rule_is_eligible(ready_learner, framework, epci):
    eligibility = certificate_eligibility(learner=ready_learner)
    assert eligibility.eligible
    assert eligibility.reasons == []
    assert eligibility.framework == framework
    assert eligibility.epci == epci
    assert eligibility.missing == []
    # The in-person competency is marked so, for the PDF.
    lines = eligibility.competency_lines()
    assert [line.in_person for line in lines] == [False, False, True]


def test_an_inactive_account_is_not_eligible(ready_learner):
    ready_learner.is_active = False
    eligibility = certificate_eligibility(learner=ready_learner)
    assert eligibility.rules == {Rule.ACCOUNT_ACTIVE}


def test_a_commune_outside_any_pilot_keeps_its_progress_kindly(framework):
    learner = learner_in(EPCIFactory(name="CC des Collines"))
    attain(learner, framework)
    eligibility = certificate_eligibility(learner=learner)
    assert eligibility.rules == {Rule.PILOT}
    message = eligibility.reasons[0].message
    assert "Nogent-le-Rotrou n'en fait pas partie" in message
    assert "ce que tu as acquis est gardé" in message


def test_a_commune_without_epci_is_outside_the_pilots(framework):
    learner = learner_in(None)
    attain(learner, framework)
    assert certificate_eligibility(learner=learner).rules == {Rule.PILOT}


@pytest.mark.parametrize(
    ("starts", "ends"),
    [(10, 300), (-300, -1)],
    ids=["not-yet-started", "ended-yesterday"],
)
def test_the_pilot_must_be_active_on_the_decision_date(framework, starts, ends):
    today = timezone.localdate()
    epci = pilot_epci(
        starts_on=today + timedelta(days=starts), ends_on=today + timedelta(days=ends)
    )
    learner = learner_in(epci)
    attain(learner, framework)
    Framework.objects.filter(pk=framework.pk).update(
        published_at=timezone.now() - timedelta(days=400)
    )
    assert certificate_eligibility(learner=learner).rules == {Rule.PILOT}
    # On a day inside the pilot, the same learner is eligible.
    inside = timezone.now() + timedelta(days=(starts + ends) // 2)
    assert certificate_eligibility(learner=learner, now=inside).eligible


def test_under_16_says_from_which_day(epci, framework):
    learner = learner_in(epci, age=15)
    attain(learner, framework)
    eligibility = certificate_eligibility(learner=learner)
    assert eligibility.rules == {Rule.AGE}
    assert "à partir de 16 ans" in eligibility.reasons[0].message
    birthday = learner.learner_profile.birth_date
    assert str(birthday.year + 16) in eligibility.reasons[0].message


def test_16_on_the_day_is_eligible(epci, framework):
    learner = learner_in(epci)
    profile = learner.learner_profile
    profile.birth_date = years_ago(16)
    profile.save()
    attain(learner, framework)
    assert certificate_eligibility(learner=learner).eligible


def test_every_competency_is_needed_the_in_person_one_too(learner, framework):
    attain(learner, framework, skip={"TEST-03"})
    eligibility = certificate_eligibility(learner=learner)
    assert eligibility.rules == {Rule.COMPETENCIES}
    assert [c.code for c in eligibility.missing] == ["TEST-03"]
    assert "Il te reste 1 compétence à acquérir" in eligibility.reasons[0].message


def test_attainments_of_an_older_version_do_not_count(learner, framework):
    attain(learner, framework)
    newer = framework_publish(version=2, count=4)
    Framework.objects.filter(pk=newer.pk).update(published_at=timezone.now())
    eligibility = certificate_eligibility(learner=learner)
    assert eligibility.framework == newer
    assert eligibility.rules == {Rule.COMPETENCIES}
    assert len(eligibility.missing) == 4


def test_no_published_framework(learner):
    assert certificate_eligibility(learner=learner).rules == {Rule.FRAMEWORK}


def test_an_account_without_profile(framework):
    eligibility = certificate_eligibility(learner=UserFactory())
    assert eligibility.rules == {Rule.PROFILE, Rule.COMPETENCIES}


def test_every_reason_is_given_at_once(framework):
    learner = learner_in(EPCIFactory(), age=15)
    learner.is_active = False
    assert certificate_eligibility(learner=learner).rules == {
        Rule.ACCOUNT_ACTIVE,
        Rule.PILOT,
        Rule.AGE,
        Rule.COMPETENCIES,
    }


def test_a_revoked_certificate_keeps_the_learner_out_of_that_version(
    ready_learner, epci
):
    certificate = certificate_issue(learner_id=ready_learner.pk).certificate
    certificate_revoke(
        certificate_id=certificate.pk, actor=coordinator_of(epci), reason="Fraude."
    )
    eligibility = certificate_eligibility(learner=ready_learner)
    assert eligibility.rules == {Rule.NOT_REVOKED}
    assert "prochaine version du référentiel" in eligibility.reasons[0].message
    assert certificate_issue(learner_id=ready_learner.pk).created is False


def test_moving_to_a_commune_outside_the_pilot(ready_learner):
    profile = ready_learner.learner_profile
    profile.commune = CommuneFactory(epci=EPCIFactory())
    profile.save()
    assert certificate_eligibility(learner=ready_learner).rules == {Rule.PILOT}
