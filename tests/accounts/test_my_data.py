"""« Mon compte »: a learner corrects her first name, birth date or commune; the
planning follows; bad input changes nothing. « Mes données » sends her there."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.errors import AccountsError
from accounts.services import learner_profile_update
from core.models import JournalEntry
from reminders import timing
from reminders.models import DeadlineRule, PersonalDeadline
from reminders.services import deadlines_compute
from territories.models import Commune
from tests.factories import LearnerProfileFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

URL = reverse("accounts:account")
MY_DATA_URL = reverse("accounts:my-data")


def _born(*, years_ago: int, days_later: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years_ago, day=min(today.day, 28)) + (
        timedelta(days=days_later)
    )


# 15, turning 16 in about three weeks: her census window is ahead.
BIRTH_DATE = _born(years_ago=16, days_later=20)


@pytest.fixture
def learner(content):
    """In Nogent-le-Rotrou, with her planning computed."""
    user = LearnerProfileFactory(
        user__first_name="Inès",
        birth_date=BIRTH_DATE,
        commune=Commune.objects.get(name="Nogent-le-Rotrou"),
    ).user
    deadlines_compute(learner=user)
    return user


def _census(user) -> date:
    """When the census window (16 years + 3 months) closes for this learner."""
    return (
        PersonalDeadline.objects.get(learner=user, rule__code="CIT-RECENS")
    ).closes_on


def _form(**changes) -> dict:
    data = {
        "first_name": "Inès",
        "birth_date": BIRTH_DATE.isoformat(),
        "commune_query": "Nogent-le-Rotrou (28400)",
    }
    data.update(changes)
    return data


def test_the_page_shows_the_profile_to_correct(client, learner):
    client.force_login(learner)
    response = client.get(URL)
    text = page_text(response)
    assert response.status_code == 200
    assert 'value="Inès"' in text
    assert f'value="{BIRTH_DATE.isoformat()}"' in text  # what a date field reads
    assert 'value="Nogent-le-Rotrou (28400)"' in text
    assert f'href="{MY_DATA_URL}"' in text
    # Mes données, linked from the header of every page, leads here.
    assert f'href="{MY_DATA_URL}"' in page_text(client.get("/"))
    text = page_text(client.get(MY_DATA_URL))
    assert "Supprimer mon compte" in text
    assert f'href="{URL}"' in text
    assert 'name="first_name"' not in text  # one place to correct one's profile


def test_a_corrected_birth_date_moves_the_planning(client, learner):
    client.force_login(learner)
    before = _census(learner)
    corrected = BIRTH_DATE + timedelta(days=70)
    response = client.post(
        URL,
        _form(
            birth_date=corrected.strftime("%d/%m/%Y"), commune_query="Authon-du-Perche"
        ),
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    profile = learner.learner_profile
    assert profile.birth_date == corrected
    assert profile.commune.name == "Authon-du-Perche"
    # The census window now closes 16 years and 3 months after the new birth date.
    rule = DeadlineRule.objects.get(code="CIT-RECENS")
    expected = timing.offset_window(corrected, rule.opens, rule.closes).closes_on
    assert _census(learner) == expected != before
    entry = JournalEntry.objects.get(action="accounts.learner_profile_updated")
    assert entry.actor_id == learner.pk
    assert entry.details == {"fields": ["birth_date", "commune"]}  # never the values
    page = page_text(client.get(response["Location"]))
    assert "C'est corrigé" in page


def test_an_ambiguous_postcode_asks_which_commune_without_javascript(client, learner):
    client.force_login(learner)
    response = client.post(URL, _form(commune_query="28330"))
    assert response.status_code == 400
    assert "Quelle est ta commune ?" in page_text(response)
    response = client.post(URL, _form(commune_query="28330", commune="28018"))
    assert response.status_code == 302
    learner.refresh_from_db()
    assert learner.learner_profile.commune.name == "Authon-du-Perche"


def test_saving_without_change_writes_nothing(client, learner):
    client.force_login(learner)
    assert client.post(URL, _form()).status_code == 302
    assert not JournalEntry.objects.filter(
        action="accounts.learner_profile_updated"
    ).exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"first_name": "   "}, "Indique ton prénom."),
        ({"birth_date": ""}, "Indique ta date de naissance."),
        ({"birth_date": "31/02/2009"}, "sous la forme jj/mm/aaaa"),
        ({"birth_date": "2099-01-01"}, "ne peut pas être dans le futur"),
        ({"birth_date": "2015-01-01"}, "à partir de 15 ans"),
        ({"birth_date": "1990-01-01"}, "vérifie ta date de naissance"),
        ({"commune_query": ""}, "Indique ta commune de résidence."),
        ({"commune_query": "Zzyzx-sur-Mer"}, "Nous ne trouvons pas de commune"),
        ({"commune_query": "28330"}, "Plusieurs communes correspondent"),
        ({"commune_query": "28330", "commune": "99999"}, "Plusieurs communes"),
        ({"first_name": "x" * 61}, "au plus 60 caractères"),
    ],
)
def test_bad_input_is_explained_kept_and_nothing_is_written(
    client, learner, changes, message
):
    client.force_login(learner)
    census, journal = _census(learner), JournalEntry.objects.count()
    # A valid change alongside the bad one: shown again, not saved.
    data = _form(**{"first_name": "Inès-Marie", **changes})
    response = client.post(URL, data)
    text = page_text(response)
    assert response.status_code == 400
    assert message in text
    assert "point" in text and "à corriger" in text  # the error summary
    if "first_name" not in changes:
        assert 'value="Inès-Marie"' in text
    learner.refresh_from_db()
    assert learner.first_name == "Inès"
    assert learner.learner_profile.birth_date == BIRTH_DATE
    assert learner.learner_profile.commune.name == "Nogent-le-Rotrou"
    assert _census(learner) == census
    assert JournalEntry.objects.count() == journal


def test_the_service_checks_the_rules_itself(learner):
    with pytest.raises(AccountsError) as error:
        learner_profile_update(
            user=learner,
            first_name="Inès",
            birth_date=date(2012, 1, 1),
            commune=learner.learner_profile.commune,
            today=timezone.localdate(),
        )
    assert error.value.field == "birth_date"
    with pytest.raises(AccountsError) as error:
        learner_profile_update(
            user=learner, first_name="Inès", birth_date=BIRTH_DATE, commune=None
        )
    assert error.value.field == "commune_query"


def test_the_urls_take_no_id_so_one_only_ever_reaches_oneself(client, learner):
    other = LearnerProfileFactory(user__first_name="Noé").user
    client.force_login(other)
    client.post(
        URL,
        {
            "first_name": "Pirate",
            "birth_date": "2009-01-01",
            "commune_query": "Bellême",
            "user": learner.pk,
            "id": learner.pk,
        },
    )
    learner.refresh_from_db()
    assert learner.first_name == "Inès"
    other.refresh_from_db()
    assert other.first_name == "Pirate"
    text = page_text(client.get(reverse("accounts:my-data-view")))
    assert learner.email not in text and other.email in text
