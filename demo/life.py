"""The demo learners' weeks on the site, lived through the real services: quizzes
passed, one failed a few minutes ago, one begun; a planning with a deadline done
and the census to catch up; her reminder choices. And a learner who went all the
way: every quiz passed, the in-person competencies validated at the PIJ."""

from datetime import datetime, timedelta

from django.http import QueryDict

from assessments.models import Attempt, ServedQuestion
from assessments.services import (
    attempt_start,
    attempt_submit,
    passport_issue,
    passport_redeem,
    validation_record,
)
from assessments.submission import field_name, rank_field_name
from curriculum.models import ModulePage
from curriculum.selectors import framework_current
from reminders.models import Concern, PersonalDeadline
from reminders.services import deadline_mark_done, reminder_preferences_update

# Module slugs (curriculum/content/demo/modules), with how long ago each quiz was.
PASSED = {"assurance": 40, "mutuelle": 26, "citoyennete-calendrier": 12}
BEGUN = "compte-bancaire"
FAILED = "caf"
# Done at 16; the census (CIT-RECENS) stays "à rattraper" until 25.
DEADLINE_DONE = "SAN-VITALE"


def _answers(served: list[ServedQuestion], *, right: bool) -> QueryDict:
    """The quiz form as a browser sends it: every answer right, or every one wrong
    (the first wrong option; "order" questions reversed)."""
    data = QueryDict(mutable=True)
    for item in served:
        answer = item.right_answer
        if not right:
            wrong = [token for token in item.tokens if token not in answer]
            answer = answer[::-1] if item.is_order else wrong[:1]
        if item.is_order:
            for rank, token in enumerate(answer, start=1):
                data[rank_field_name(item.position, token)] = str(rank)
        else:
            data.setlist(field_name(item.position), answer)
    return data


def _quiz_take(*, learner, module: ModulePage, right: bool, now: datetime) -> None:
    attempt = attempt_start(learner=learner, module=module, now=now)
    served = list(attempt.served_questions.order_by("position"))
    attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=_answers(served, right=right),
        now=now + timedelta(minutes=6),
    )


def learner_life_load(*, learner, now: datetime) -> None:
    """Once: a life already begun (any quiz) is left as it is, whatever she has
    done since on the site."""
    if Attempt.objects.filter(learner=learner).exists():
        return
    modules = {
        module.slug: module
        for module in ModulePage.objects.filter(slug__in=[*PASSED, BEGUN, FAILED])
    }
    for slug, days_ago in PASSED.items():
        _quiz_take(
            learner=learner,
            module=modules[slug],
            right=True,
            now=now - timedelta(days=days_ago),
        )
    attempt_start(learner=learner, module=modules[BEGUN], now=now - timedelta(days=2))
    # Graded 4 minutes ago: the quiz opens again in 26 minutes (cooldown 30).
    _quiz_take(
        learner=learner,
        module=modules[FAILED],
        right=False,
        now=now - timedelta(minutes=10),
    )
    reminder_preferences_update(
        learner=learner,
        enabled=True,
        remind_on_opening=True,
        days_before=[7, 1],
        concerns=[Concern.STUDENT],
    )
    done = PersonalDeadline.objects.get(learner=learner, rule__code=DEADLINE_DONE)
    deadline_mark_done(learner=learner, deadline_id=done.pk, done=True)


def certified_life_load(*, learner, informer, place, now: datetime) -> None:
    """Once: every module's quiz passed, then the in-person competencies validated
    by the PIJ's informer, a week ago."""
    if Attempt.objects.filter(learner=learner).exists():
        return
    for weeks_ago, module in enumerate(ModulePage.objects.live().order_by("-pk")):
        _quiz_take(
            learner=learner,
            module=module,
            right=True,
            now=now - timedelta(days=10 + 7 * weeks_ago),
        )
    visit = now - timedelta(days=7)
    _, code = passport_issue(learner=learner, now=visit)
    passport = passport_redeem(informer=informer, code=code, place=place, now=visit)
    framework = framework_current()
    for competency in framework.competencies.filter(requires_in_person=True):
        validation_record(
            informer=informer,
            passport_id=passport.pk,
            competency_id=competency.pk,
            note="Fait devant moi, seule, sur son téléphone.",
            now=visit + timedelta(minutes=10),
        )
