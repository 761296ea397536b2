"""The deadline rules whose facts were corrected: what they say and when they close."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from reminders.models import EventKind, Timing
from reminders.services import deadlines_compute, occurrences_for, reminders_send_due

from .conftest import TODAY, make_rule

pytestmark = pytest.mark.django_db

BORN = date(2008, 11, 2)  # 18 on TODAY's school year: every rule below concerns them


def closing_date(rule, events):
    [(_, window)] = occurrences_for(
        rules=[rule], birth_date=BORN, events=events, concerns=set(), today=TODAY
    )
    return window.closes_on


@pytest.mark.parametrize(
    ("moved_in", "closes_on"),
    [
        # The aid is due from October: a request made in October loses nothing.
        (date(2026, 9, 10), date(2026, 10, 31)),
        (date(2026, 9, 30), date(2026, 10, 31)),
        (date(2026, 12, 1), date(2027, 1, 31)),
        (date(2027, 1, 31), date(2027, 2, 28)),
    ],
)
def test_housing_aid_is_late_only_after_the_month_that_follows_moving_in(
    rules, moved_in, closes_on
):
    events = {EventKind.MOVING_IN: moved_in}
    assert closing_date(rules["CAF-APL"], events) == closes_on
    assert "à la fin de ce mois-là ne te fait rien perdre" in (
        rules["CAF-APL"].what_to_do
    )


def test_jdc_rule_asks_to_act_on_receipt(rules):
    rule = rules["CIT-JDC"]
    events = {EventKind.JDC_CONVOCATION: date(2026, 12, 1)}
    assert closing_date(rule, events) == date(2026, 12, 8)
    assert "depuis l'envoi de la convocation" in rule.what_to_do


def test_driving_licence_asks_the_census_attestation_until_18(rules):
    text = rules["CIT-PERMIS"].what_to_do
    assert "jusqu'à 18 ans, ton attestation de recensement" in text
    assert "de 18 à 25 ans, ton certificat JDC" in text
    assert "après 17 ans" not in text


def test_parcoursup_answer_is_due_the_next_day(rules):
    text = rules["ETU-PSUP-R"].what_to_do
    assert "le lendemain à 23 h 59" in text
    assert "2 à 3 jours" not in text


def test_student_grant_file_does_not_need_parcoursup(rules):
    text = rules["ETU-DSE"].what_to_do
    assert "crée ton compte Parcoursup" not in text
    assert "Pas besoin de compte Parcoursup" in text


@pytest.mark.parametrize("code", ["IMP-DECL", "IMP-RATT"])
def test_tax_correction_online_ends_mid_december(rules, code):
    remedy = rules[code].remedy
    assert "mi-décembre" in remedy
    assert "réclamation" in remedy
    assert "fin de l'année" not in remedy


def test_reminder_emails_say_what_changes_for_the_msa(learner, site):
    make_rule(
        "C2S-TEST",
        title="Renouveler ta C2S",
        timing=Timing.YEARLY,
        reminder_days="7",
        remind_on_opening=False,
        windows=[(date(2026, 12, 1), date(2027, 1, 10))],
        msa_note="Ta C2S se renouvelle à la MSA, sur msa.fr.",
    )
    deadlines_compute(learner=learner, today=TODAY)

    reminders_send_due(now=datetime(2027, 1, 3, 9, 5, tzinfo=ZoneInfo("Europe/Paris")))

    [message] = mail.outbox
    note = "Si ta famille dépend de la MSA : Ta C2S se renouvelle à la MSA, sur msa.fr."
    assert note in message.body
    assert note in message.alternatives[0].content
