import pytest

from core.errors import CoreError
from core.models import JournalEntry
from core.services import journal_record
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry():
    return journal_record(
        actor=UserFactory(), action="test.something", details={"why": "exemple"}
    )


def test_an_entry_is_recorded_with_its_actor(entry):
    stored = JournalEntry.objects.get(pk=entry.pk)
    assert stored.action == "test.something"
    assert stored.actor == entry.actor
    assert stored.details == {"why": "exemple"}


def test_update_is_refused(entry):
    entry.action = "test.rewritten"
    with pytest.raises(CoreError, match="ajout seul"):
        entry.save()
    with pytest.raises(CoreError):
        JournalEntry.objects.filter(pk=entry.pk).update(action="test.rewritten")
    with pytest.raises(CoreError):
        JournalEntry.objects.bulk_update([entry], ["action"])
    assert JournalEntry.objects.get(pk=entry.pk).action == "test.something"


def test_delete_is_refused(entry):
    with pytest.raises(CoreError, match="ajout seul"):
        entry.delete()
    with pytest.raises(CoreError):
        JournalEntry.objects.all().delete()
    assert JournalEntry.objects.filter(pk=entry.pk).exists()


def test_entries_outlive_the_account(entry):
    actor_id = entry.actor_id
    entry.actor.delete()
    assert JournalEntry.objects.get(pk=entry.pk).actor_id == actor_id
