"""Two tabs (or a double click) submit the same quiz at the same time, against the
real PostgreSQL: the row lock lets exactly one of them grade it."""

import random
import threading

import pytest
from django.db import connection
from django.utils import timezone

from assessments import services
from assessments.errors import AttemptAlreadyGraded
from assessments.models import Attainment, Attempt, AttemptState
from core.models import JournalEntry
from curriculum.models import ModulePage
from demo.content import curriculum_load
from tests.factories import LearnerProfileFactory

from .conftest import MODULE_SLUG, answers_for

SUBMITTERS = 2


@pytest.fixture
def started(transactional_db, site):
    now = timezone.now()
    curriculum_load(home=site, now=now)
    learner = LearnerProfileFactory().user
    module = ModulePage.objects.get(slug=MODULE_SLUG)
    attempt = services.attempt_start(
        learner=learner, module=module, now=now, rng=random.Random(0)
    )
    return learner, attempt


def test_two_simultaneous_submissions_grade_once(started):
    learner, attempt = started
    data = answers_for(attempt)
    barrier = threading.Barrier(SUBMITTERS)
    outcomes = []

    def submit():
        try:
            barrier.wait(timeout=10)
            services.attempt_submit(attempt_id=attempt.pk, learner=learner, data=data)
        except Exception as error:  # noqa: BLE001 - the test sorts them out below
            outcomes.append(error)
        else:
            outcomes.append("graded")
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)

    assert outcomes.count("graded") == 1, outcomes
    refused = [o for o in outcomes if o != "graded"]
    assert len(refused) == 1
    assert isinstance(refused[0], AttemptAlreadyGraded), refused
    stored = Attempt.objects.get(pk=attempt.pk)
    assert stored.state == AttemptState.GRADED
    assert stored.score == 1
    assert (
        JournalEntry.objects.filter(
            action="assessments.attempt_graded", target_id=str(attempt.pk)
        ).count()
        == 1
    )
    assert Attainment.objects.filter(learner=learner).count() == 2
    assert (
        JournalEntry.objects.filter(action="assessments.competency_attained").count()
        == 2
    )
