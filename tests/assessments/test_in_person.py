"""In-person validation: the learner's passport code, the informer's access, the
append-only validations and their withdrawal, the attainment they give."""

from datetime import timedelta

import pytest

from accounts.models import Role
from accounts.services import DeletionReason, account_delete
from assessments import services
from assessments.errors import PASSPORT_REFUSED, AssessmentsError, PassportRefused
from assessments.models import (
    Attainment,
    AttainmentSource,
    InPersonValidation,
    Passport,
    ValidationWithdrawal,
    Visit,
    VisitPurpose,
)
from core.models import JournalEntry
from curriculum.models import Competency
from curriculum.selectors import framework_current
from tests.factories import LearnerProfileFactory, RoleMembershipFactory

from .informers import help_place, informer_at, opened_record

pytestmark = pytest.mark.django_db

AMELI = "AMELI-01"


@pytest.fixture
def place_a():
    return help_place("PIJ du Perche")


@pytest.fixture
def place_b():
    return help_place("Espace Jeunes ailleurs")


@pytest.fixture
def informer(place_a):
    return informer_at(place_a).user


@pytest.fixture
def other_informer(place_b):
    return informer_at(place_b, first_name="Nadia").user


@pytest.fixture
def competency(demo_curriculum):
    return Competency.objects.get(code=AMELI)


def _journal(action):
    return JournalEntry.objects.filter(action=action)


# The code.


def test_a_passport_code_is_eight_unambiguous_characters_stored_only_hashed(
    learner, now
):
    passport, code = services.passport_issue(learner=learner, now=now)
    assert len(code) == 8
    assert set(code) <= set(services.PASSPORT_ALPHABET)
    assert not set(code) & set("0O1IL2Z5S8BUV")
    assert services.passport_code_display(code) == f"{code[:4]} {code[4:]}"
    stored = Passport.objects.filter(pk=passport.pk).values().get()
    assert code not in str(stored)
    assert stored["expires_at"] == now + timedelta(minutes=15)


def test_codes_are_random(learner, now):
    codes = {services.passport_issue(learner=learner, now=now)[1] for _ in range(50)}
    assert len(codes) == 50


def test_a_new_code_ends_the_previous_one(learner, informer, place_a, now):
    _, first = services.passport_issue(learner=learner, now=now)
    services.passport_issue(learner=learner, now=now)
    with pytest.raises(PassportRefused):
        services.passport_redeem(informer=informer, code=first, place=place_a, now=now)


def test_only_a_learner_with_a_profile_gets_a_passport(informer):
    with pytest.raises(AssessmentsError):
        services.passport_issue(learner=informer)
    assert not Passport.objects.exists()


# Redeeming it.


def test_the_first_informer_opens_the_record_for_two_hours(
    learner, informer, place_a, now
):
    _, code = services.passport_issue(learner=learner, now=now)
    typed = services.passport_code_display(code).lower()  # as read aloud, typed
    opened = services.passport_redeem(
        informer=informer, code=typed, place=place_a, now=now + timedelta(minutes=14)
    )
    assert opened.redeemed_by == informer
    assert opened.place == place_a
    assert opened.access_until == now + timedelta(minutes=14, hours=2)
    entry = _journal("assessments.learner_record_opened").get()
    assert entry.actor == informer
    assert entry.details == {"learner": learner.pk, "place": place_a.pk}


def _refusals(learner, informer, other_informer, place_a, place_b, now):
    """Each way a code can be wrong, as a function that tries it."""
    _, spent = services.passport_issue(learner=learner, now=now)
    services.passport_redeem(
        informer=other_informer, code=spent, place=place_b, now=now
    )
    other = LearnerProfileFactory().user
    _, expired = services.passport_issue(learner=other, now=now - timedelta(minutes=16))
    return {
        "spent (a screenshot, a second informer)": spent,
        "expired": expired,
        "unknown": "ACDE FGHJ",
        "forged (letters not in the alphabet)": "OOOO 0000",
        "too long": "ACDEFGHJKM",
        "empty": "",
        "huge": "A" * 10_000,
    }


def test_spent_expired_unknown_and_forged_codes_get_the_same_refusal(
    learner, informer, other_informer, place_a, place_b, now
):
    codes = _refusals(learner, informer, other_informer, place_a, place_b, now)
    before = (
        list(Passport.objects.values()),
        JournalEntry.objects.count(),
    )
    for case, code in codes.items():
        with pytest.raises(PassportRefused) as refused:
            services.passport_redeem(
                informer=informer, code=code, place=place_a, now=now
            )
        assert refused.value.message == PASSPORT_REFUSED, case
    assert (list(Passport.objects.values()), JournalEntry.objects.count()) == before


def test_an_informer_redeems_only_at_one_of_their_places(
    learner, informer, place_b, now
):
    _, code = services.passport_issue(learner=learner, now=now)
    for place in (place_b, None):
        with pytest.raises(AssessmentsError) as refused:
            services.passport_redeem(informer=informer, code=code, place=place, now=now)
        assert refused.value.field == "place"
    assert Passport.objects.get().redeemed_at is None


def test_a_learner_of_another_epci_is_welcome_at_any_place(informer, place_a, now):
    elsewhere = LearnerProfileFactory().user  # a commune of another EPCI
    assert elsewhere.learner_profile.commune.epci != place_a.epci
    opened = opened_record(learner=elsewhere, informer=informer, place=place_a, now=now)
    assert opened.redeemed_by == informer


# Validating.


def test_a_validation_gives_the_attainment_in_person_and_records_the_visit(
    learner, informer, place_a, competency, now
):
    opened = opened_record(learner=learner, informer=informer, place=place_a, now=now)
    later = now + timedelta(minutes=20)
    validation = services.validation_record(
        informer=informer,
        passport_id=opened.pk,
        competency_id=competency.pk,
        note="  S'est connectée seule à ameli, attestation téléchargée.  ",
        now=later,
    )
    assert validation.note == "S'est connectée seule à ameli, attestation téléchargée."
    assert validation.place == place_a
    attainment = Attainment.objects.get(learner=learner, competency=competency)
    assert attainment.source == AttainmentSource.IN_PERSON
    assert attainment.validation == validation
    assert attainment.attained_at == later
    visit = Visit.objects.get()
    assert (visit.place, visit.purpose, visit.commune, visit.minutes) == (
        place_a,
        VisitPurpose.VALIDATION,
        learner.learner_profile.commune,
        20,
    )
    assert visit.age_band == "16-17"  # born in May 2009
    assert _journal("assessments.competency_validated").get().actor == informer
    assert _journal("assessments.competency_attained").get().details["source"] == (
        "in_person"
    )


def test_a_session_records_one_visit_whatever_the_number_of_validations(
    learner, informer, place_a, demo_curriculum, now
):
    opened = opened_record(learner=learner, informer=informer, place=place_a, now=now)
    for code in ("AMELI-01", "AIDE-01", "AIDE-02"):
        services.validation_record(
            informer=informer,
            passport_id=opened.pk,
            competency_id=Competency.objects.get(code=code).pk,
            note="Vu.",
            now=now,
        )
    assert Visit.objects.count() == 1
    assert Visit.objects.get().minutes == 5  # at least 5 minutes


def _nothing_written():
    return (
        InPersonValidation.objects.count(),
        Attainment.objects.count(),
        Visit.objects.count(),
        JournalEntry.objects.exclude(
            action="assessments.learner_record_opened"
        ).count(),
    ) == (0, 0, 0, 0)


@pytest.mark.parametrize(
    ("case", "field"),
    [
        ("competency outside the framework", "competency"),
        ("competency learnt by quiz", "competency"),
        ("unknown competency", "competency"),
        ("no competency", "competency"),
        ("empty note", "note"),
        ("blank note", "note"),
        ("note too long", "note"),
    ],
)
def test_a_refused_validation_writes_nothing(
    learner, informer, place_a, competency, now, case, field
):
    outside = Competency.objects.create(
        code="HORS-01",
        label="Hors référentiel",
        description="…",
        requires_in_person=True,
    )
    competency_id, note = {
        "competency outside the framework": (outside.pk, "Vu."),
        "competency learnt by quiz": (Competency.objects.get(code="CAF-01").pk, "Vu."),
        "unknown competency": (10**12, "Vu."),
        "no competency": (None, "Vu."),
        "empty note": (competency.pk, ""),
        "blank note": (competency.pk, "   \n "),
        "note too long": (competency.pk, "x" * 501),
    }[case]
    opened = opened_record(learner=learner, informer=informer, place=place_a, now=now)
    with pytest.raises(AssessmentsError) as refused:
        services.validation_record(
            informer=informer,
            passport_id=opened.pk,
            competency_id=competency_id,
            note=note,
            now=now,
        )
    assert refused.value.field == field
    assert _nothing_written()


def test_no_validation_once_the_access_is_over_or_by_another_informer(
    learner, informer, other_informer, place_a, competency, now
):
    opened = opened_record(learner=learner, informer=informer, place=place_a, now=now)
    for who, when in (
        (informer, now + timedelta(hours=2)),
        (other_informer, now),
    ):
        with pytest.raises(AssessmentsError):
            services.validation_record(
                informer=who,
                passport_id=opened.pk,
                competency_id=competency.pk,
                note="Vu.",
                now=when,
            )
    assert _nothing_written()


def test_a_competency_is_validated_once(learner, informer, place_a, competency, now):
    opened = opened_record(learner=learner, informer=informer, place=place_a, now=now)
    args = {"informer": informer, "passport_id": opened.pk, "note": "Vu.", "now": now}
    services.validation_record(competency_id=competency.pk, **args)
    with pytest.raises(AssessmentsError, match="déjà validée"):
        services.validation_record(competency_id=competency.pk, **args)
    assert InPersonValidation.objects.count() == 1


# Append-only, and withdrawn by a new entry.


def _validated(learner, informer, place, competency, now):
    opened = opened_record(learner=learner, informer=informer, place=place, now=now)
    return services.validation_record(
        informer=informer,
        passport_id=opened.pk,
        competency_id=competency.pk,
        note="Vu.",
        now=now,
    )


def test_validations_are_never_edited_nor_deleted(
    learner, informer, place_a, competency, now
):
    validation = _validated(learner, informer, place_a, competency, now)
    validation.note = "Autre chose"
    with pytest.raises(AssessmentsError):
        validation.save()
    with pytest.raises(AssessmentsError):
        validation.delete()
    with pytest.raises(AssessmentsError):
        InPersonValidation.objects.filter(pk=validation.pk).update(note="x")
    with pytest.raises(AssessmentsError):
        InPersonValidation.objects.all().delete()
    assert InPersonValidation.objects.get().note == "Vu."


def test_the_author_withdraws_with_a_reason_and_the_attainment_goes(
    learner, informer, place_a, competency, now
):
    validation = _validated(learner, informer, place_a, competency, now)
    withdrawal = services.validation_withdraw(
        actor=informer, validation_id=validation.pk, reason=" Erreur de dossier. "
    )
    assert withdrawal.reason == "Erreur de dossier."
    assert not Attainment.objects.filter(competency=competency).exists()
    assert InPersonValidation.objects.filter(pk=validation.pk).exists()
    entry = _journal("assessments.validation_withdrawn").get()
    assert entry.details["attainment_removed"] is True
    # Validated again later: attained again.
    _validated(learner, informer, place_a, competency, now + timedelta(hours=3))
    assert Attainment.objects.filter(competency=competency).exists()


def test_a_coordinator_of_the_places_epci_withdraws_too(
    learner, informer, place_a, competency, now
):
    validation = _validated(learner, informer, place_a, competency, now)
    coordinator = RoleMembershipFactory(role=Role.COORDINATOR, epci=place_a.epci).user
    services.validation_withdraw(
        actor=coordinator, validation_id=validation.pk, reason="Doublon."
    )
    assert ValidationWithdrawal.objects.get().withdrawn_by == coordinator


def test_a_withdrawal_keeps_what_a_quiz_gave(
    learner, informer, place_a, competency, now
):
    # Attained before it needed an informer: the quiz holds it, not the validation.
    Attainment.objects.create(
        learner=learner,
        competency=competency,
        framework=framework_current(),
        source=AttainmentSource.QUIZ,
        attained_at=now,
    )
    validation = _validated(learner, informer, place_a, competency, now)
    services.validation_withdraw(
        actor=informer, validation_id=validation.pk, reason="x"
    )
    assert Attainment.objects.get(competency=competency).source == AttainmentSource.QUIZ


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_no_withdrawal_without_a_reason(
    learner, informer, place_a, competency, now, reason
):
    validation = _validated(learner, informer, place_a, competency, now)
    with pytest.raises(AssessmentsError) as refused:
        services.validation_withdraw(
            actor=informer, validation_id=validation.pk, reason=reason
        )
    assert refused.value.field == "reason"
    assert not ValidationWithdrawal.objects.exists()
    assert Attainment.objects.filter(competency=competency).exists()


def test_nobody_else_withdraws(
    learner, informer, other_informer, place_a, place_b, competency, now
):
    validation = _validated(learner, informer, place_a, competency, now)
    colleague = informer_at(place_a, first_name="Léa").user  # same place, not author
    others = [
        other_informer,
        colleague,
        RoleMembershipFactory(role=Role.COORDINATOR, epci=place_b.epci).user,
        RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=place_a.epci).user,
        learner,
    ]
    for actor in others:
        with pytest.raises(AssessmentsError):
            services.validation_withdraw(
                actor=actor, validation_id=validation.pk, reason="Je retire."
            )
    assert not ValidationWithdrawal.objects.exists()
    assert Attainment.objects.filter(competency=competency).exists()


def test_a_validation_is_withdrawn_once(learner, informer, place_a, competency, now):
    validation = _validated(learner, informer, place_a, competency, now)
    services.validation_withdraw(
        actor=informer, validation_id=validation.pk, reason="x"
    )
    with pytest.raises(AssessmentsError, match="déjà retirée"):
        services.validation_withdraw(
            actor=informer, validation_id=validation.pk, reason="y"
        )
    assert ValidationWithdrawal.objects.count() == 1


def test_deleting_accounts_keeps_the_register_and_the_record_consistent(
    learner, informer, place_a, competency, now
):
    validation = _validated(learner, informer, place_a, competency, now)
    services.validation_withdraw(
        actor=informer, validation_id=validation.pk, reason="x"
    )
    _validated(learner, informer, place_a, competency, now)
    # The informer leaves: their validations stay, without them.
    account_delete(user=informer, actor=informer, reason=DeletionReason.OWN_REQUEST)
    assert InPersonValidation.objects.filter(informer=None).count() == 2
    # The learner leaves: their validations and passports go; the register stays.
    account_delete(user=learner, actor=learner, reason=DeletionReason.OWN_REQUEST)
    assert not InPersonValidation.objects.exists()
    assert not Passport.objects.exists()
    assert Visit.objects.count() == 2  # one per session
    assert not Visit.objects.filter(passport__isnull=False).exists()
