"""What a published framework version certifies stays as it was published, and a
past attempt stays as it was graded, whatever editors do afterwards."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services
from assessments.models import Attainment, Question
from curriculum.models import Competency, Framework
from tests.factories import UserFactory
from tests.helpers import page_text

from .conftest import IN_PERSON_CODE, answers_for, served_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def edit_url(competency):
    return reverse("wagtailsnippets_curriculum_competency:edit", args=[competency.pk])


def competency_form(competency, **changes) -> dict:
    data = {
        "code": competency.code,
        "label": competency.label,
        "description": competency.description,
        "requires_in_person": "on" if competency.requires_in_person else "",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_the_cms_cannot_untick_in_person_on_a_published_version(
    editor_client, learner, module, now
):
    competency = Competency.objects.get(code=IN_PERSON_CODE)
    response = editor_client.post(
        edit_url(competency), competency_form(competency, requires_in_person="")
    )
    assert response.status_code == 200  # the form again, with the reason
    assert f"{IN_PERSON_CODE} fait partie de la version 1 publiée" in page_text(
        response
    )
    competency.refresh_from_db()
    assert competency.requires_in_person

    # A learner who answers everything right still cannot attain it by quiz.
    attempt = services.attempt_start(learner=learner, module=module, now=now)
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt), now=now
    )
    attained = set(
        Attainment.objects.filter(learner=learner).values_list(
            "competency__code", flat=True
        )
    )
    assert attained == {"BANQUE-02", "BANQUE-03"}


@pytest.mark.parametrize(
    "changes",
    [{"code": "BANQUE-09"}, {"label": "Sait fermer un compte"}],
    ids=["code", "label"],
)
def test_what_a_published_competency_certifies_does_not_change(
    editor_client, demo_curriculum, changes
):
    competency = Competency.objects.get(code=IN_PERSON_CODE)
    before = (competency.code, competency.label)
    response = editor_client.post(
        edit_url(competency), competency_form(competency, **changes)
    )
    assert response.status_code == 200
    assert "ne changent plus" in page_text(response)
    competency.refresh_from_db()
    assert (competency.code, competency.label) == before

    # Not through the model either.
    for name, value in changes.items():
        setattr(competency, name, value)
    with pytest.raises(ValidationError, match="crée une nouvelle compétence"):
        competency.save()


def test_its_description_can_still_be_improved(editor_client, demo_curriculum):
    competency = Competency.objects.get(code=IN_PERSON_CODE)
    response = editor_client.post(
        edit_url(competency),
        competency_form(competency, description="Une description plus claire."),
    )
    assert response.status_code == 302
    competency.refresh_from_db()
    assert competency.description == "Une description plus claire."


def test_a_published_competency_cannot_be_deleted(editor_client, demo_curriculum):
    competency = Competency.objects.get(code=IN_PERSON_CODE)
    delete_url = reverse(
        "wagtailsnippets_curriculum_competency:delete", args=[competency.pk]
    )
    editor_client.post(delete_url)
    assert Competency.objects.filter(pk=competency.pk).exists()
    assert demo_curriculum.competencies.filter(pk=competency.pk).exists()
    with pytest.raises(ValidationError, match="version 1 publiée"):
        competency.delete()


def test_a_competency_only_in_a_draft_version_stays_editable(
    editor_client, demo_curriculum
):
    draft = Framework.objects.create(version=2)
    fresh = Competency.objects.create(
        code="AIDE-09", label="Sait demander", description="…"
    )
    draft.competencies = [fresh]
    draft.save()
    response = editor_client.post(
        edit_url(fresh), competency_form(fresh, requires_in_person="on")
    )
    assert response.status_code == 302
    fresh.refresh_from_db()
    assert fresh.requires_in_person
    fresh.delete()


def result_page(client, attempt) -> str:
    response = client.get(reverse("assessments:attempt-result", args=[attempt.pk]))
    assert response.status_code == 200
    # Each render masks the CSRF token anew: it is not part of the result.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page_text(response))


def test_a_past_result_stays_as_graded_whatever_editors_do(
    client, learner, attempt, now
):
    client.force_login(learner)
    services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt, right=lambda item: item.position % 2 == 0),
        now=now + timedelta(minutes=3),
    )
    before = result_page(client, attempt)
    served = served_list(attempt)

    # Editors rewrite, swap right answers, delete options, retire and delete questions.
    for item in served[:-2]:
        question = Question.objects.get(pk=item.question_id)
        question.prompt += " (reformulée)"
        question.explanation = "Une tout autre explication."
        question.save()
        choices = list(question.choices.all())
        for choice in choices:
            choice.text = f"{choice.text} (modifiée)"
            choice.is_correct = not choice.is_correct
            choice.feedback = "Un autre retour."
            choice.save()
        choices[-1].delete()
    Question.objects.filter(pk=served[-2].question_id).update(is_active=False)
    Question.objects.get(pk=served[-1].question_id).delete()

    assert result_page(client, attempt) == before
    assert "(modifiée)" not in before
