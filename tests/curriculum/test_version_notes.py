"""The question and competency edit pages say which framework version the edit
belongs to, as the code really works."""

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.models import Question, QuestionKind
from curriculum.models import Competency, Framework
from tests.factories import EditorFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

PAST_QUIZZES = "Les quiz déjà passés restent tels qu'ils ont été corrigés"


@pytest.fixture
def editor_client(client, site):
    client.force_login(EditorFactory())
    return client


def competency(code="CAF-01") -> Competency:
    return Competency.objects.create(code=code, label="Sait faire", description="…")


def version(number: int, competencies, *, published: bool) -> Framework:
    framework = Framework(
        version=number, published_at=timezone.now() if published else None
    )
    framework.competencies = competencies
    framework.save()
    return framework


def question(of: Competency, *, active=True) -> Question:
    return Question.objects.create(
        competency=of,
        kind=QuestionKind.SINGLE,
        prompt="Que fais-tu ?",
        explanation="…",
        is_active=active,
    )


def question_page(client, item) -> str:
    url = reverse("wagtailsnippets_assessments_question:edit", args=[item.pk])
    return page_text(client.get(url))


def competency_page(client, item) -> str:
    url = reverse("wagtailsnippets_curriculum_competency:edit", args=[item.pk])
    return page_text(client.get(url))


def test_a_question_edit_goes_to_the_version_in_force(editor_client):
    caf = competency()
    version(1, [caf], published=True)

    text = question_page(editor_client, question(caf))

    assert "sous la version 1 du référentiel (en vigueur)" in text
    assert PAST_QUIZZES in text


def test_a_question_edit_also_reaches_the_draft_that_holds_it(editor_client):
    caf = competency()
    version(1, [caf], published=True)
    version(2, [caf], published=False)

    text = question_page(editor_client, question(caf))

    assert "sous la version 1 du référentiel (en vigueur)" in text
    assert "et pour la version 2 (brouillon) une fois publiée" in text


def test_a_question_of_a_draft_only_competency_serves_no_quiz_yet(editor_client):
    version(1, [competency()], published=True)
    fresh = competency("CAF-09")
    version(2, [fresh], published=False)

    text = question_page(editor_client, question(fresh))

    assert "ne sert encore dans aucun quiz" in text
    assert "n'entre que dans la version 2 (brouillon)" in text


def test_a_question_out_of_service_says_so(editor_client):
    caf = competency()
    version(1, [caf], published=True)

    text = question_page(editor_client, question(caf, active=False))

    assert "n'est pas en service : aucun quiz ne la tire" in text


def test_a_published_competency_says_what_still_changes(editor_client):
    caf = competency()
    version(1, [caf], published=True)
    version(2, [caf], published=False)

    text = competency_page(editor_client, caf)

    assert "fait partie de la version 1 publiée du référentiel" in text
    assert "Sa description se corrige" in text
    assert "Elle est aussi dans la version 2 (brouillon)" in text


def test_a_draft_only_competency_is_still_open(editor_client):
    version(1, [competency()], published=True)
    fresh = competency("CAF-09")
    version(2, [fresh], published=False)

    text = competency_page(editor_client, fresh)

    assert "n'est que dans la version 2 (brouillon)" in text
    assert "tout s'y modifie encore" in text


def test_the_add_pages_say_where_new_things_count(editor_client):
    version(1, [competency()], published=True)

    new_question = page_text(
        editor_client.get(reverse("wagtailsnippets_assessments_question:add"))
    )
    new_competency = page_text(
        editor_client.get(reverse("wagtailsnippets_curriculum_competency:add"))
    )

    assert "fait partie de la version 1 du référentiel (en vigueur)" in new_question
    assert "le brouillon de la prochaine version" in new_competency
