"""Attempts served before the snapshot existed keep their questions and answers."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assessments.models import Attempt, Choice, Question, QuestionKind
from assessments.selectors import attempt_get_for_learner, served_questions_view

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("assessments", "0003_attainment_proof_goes_with_account")]


def latest() -> list[tuple[str, str]]:
    """Today's schema: every app's last migration."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def serve_the_old_way(old_apps, *, learner, module, framework, now, order, single):
    """An attempt as stored before: the options as choice ids, the answers too."""
    attempt = old_apps.get_model("assessments", "Attempt").objects.create(
        learner_id=learner.pk,
        module_id=module.pk,
        framework_id=framework.pk,
        state="graded",
        started_at=now,
        expires_at=now,
        submitted_at=now,
        score="1.000",
    )
    served = old_apps.get_model("assessments", "ServedQuestion")
    order_ids = [c.pk for c in order.choices.all()]
    served.objects.create(
        attempt=attempt,
        question_id=order.pk,
        position=1,
        choice_ids=order_ids[::-1],
        answer=order_ids,
        score="1.000",
    )
    served.objects.create(
        attempt=attempt,
        question_id=single.pk,
        position=2,
        choice_ids=[c.pk for c in single.choices.all()],
        answer=[single.choices.get(is_correct=True).pk],
        score="1.000",
    )
    return attempt.pk


def test_old_attempts_get_their_snapshot_and_tokens(
    learner, module, demo_curriculum, now
):
    bank = Question.objects.filter(competency__modules=module).order_by("pk")
    order = bank.filter(kind=QuestionKind.ORDER).first()
    single = bank.filter(kind=QuestionKind.SINGLE).first()
    order_texts = [c.text for c in order.choices.all()]
    single_texts = [c.text for c in single.choices.all()]
    right_text = single.choices.get(is_correct=True).text
    try:
        attempt_id = serve_the_old_way(
            migrate(BEFORE),
            learner=learner,
            module=module,
            framework=demo_curriculum,
            now=now,
            order=order,
            single=single,
        )
        # A wrong choice deleted from the bank since: shown as such, no failure.
        deleted = single.choices.filter(is_correct=False).first()
        Choice.objects.filter(pk=deleted.pk).delete()
    finally:
        migrate(latest())  # whatever happens, the next tests find today's schema

    stored = attempt_get_for_learner(learner=learner, attempt_id=attempt_id)
    first, second = served_questions_view(attempt=stored)
    assert (first.item.prompt, first.item.competency_id) == (
        order.prompt,
        order.competency_id,
    )
    assert [o.text for o in first.options] == order_texts[::-1]
    # The learner's order was the right one: the last shown was ranked first.
    assert [o.rank for o in first.options] == list(range(len(order_texts), 0, -1))
    assert first.correct_order == order_texts
    assert [o.text for o in second.options] == [
        "(réponse supprimée de la banque)" if text == deleted.text else text
        for text in single_texts
    ]
    chosen = [(o.text, o.correct) for o in second.options if o.selected]
    assert chosen == [(right_text, True)]
    assert all(len(o.token) == 12 for o in first.options + second.options)
    assert Attempt.objects.get(pk=attempt_id).is_graded
