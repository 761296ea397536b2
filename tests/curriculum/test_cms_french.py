"""The CMS names the project's things in French that reads right: no « un(e) »,
« Nouvel(le) », « ce/cette », « True » where a project name shows."""

import re

import pytest
from django.urls import reverse

from assessments.models import Question, QuestionKind
from curriculum.models import Competency
from tests.factories import EditorFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

WAGTAIL_GUESSES = ("un(e)", "Nouvel(le)", "ce/cette", "un autre compétence")


def visible_text(response) -> str:
    body = re.sub(r"<script.*?</script>|<[^>]+>", " ", page_text(response), flags=re.S)
    return re.sub(r"\s+", " ", body)


@pytest.fixture
def editor_client(client, site):
    client.force_login(EditorFactory())
    return client


@pytest.fixture
def competency(db):
    return Competency.objects.create(
        code="CAF-01", label="Sait demander l'aide au logement", description="…"
    )


@pytest.mark.parametrize(
    ("url_name", "expected"),
    [
        ("wagtailsnippets_assessments_question:list", "Ajouter une question"),
        ("wagtailsnippets_assessments_question:add", "Nouvelle question"),
        ("wagtailsnippets_assessments_question:add", "Ajouter une réponse"),
        (
            "wagtailsnippets_reminders_deadlinerule:list",
            "Ajouter une règle d'échéance",
        ),
        ("wagtailsnippets_reminders_deadlinerule:add", "Nouvelle règle d'échéance"),
        ("wagtailsnippets_reminders_deadlinerule:add", "Ajouter une fenêtre annuelle"),
        ("wagtailsnippets_curriculum_competency:list", "Ajouter une compétence"),
        ("wagtailsnippets_curriculum_competency:add", "Nouvelle compétence"),
        ("wagtailsnippets_curriculum_procedure:list", "Ajouter une démarche"),
        ("wagtailsnippets_curriculum_framework:list", "Ajouter un référentiel"),
    ],
)
def test_editors_read_whole_french_names(editor_client, competency, url_name, expected):
    response = editor_client.get(reverse(url_name))

    assert response.status_code == 200
    text = visible_text(response)
    assert expected in text
    for guess in WAGTAIL_GUESSES:
        assert guess not in text


def test_the_help_places_say_un_lieu_d_aide(client, site):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    index = visible_text(
        client.get(reverse("wagtailsnippets_directory_helpplace:list"))
    )
    add = visible_text(client.get(reverse("wagtailsnippets_directory_helpplace:add")))

    assert "Ajouter un lieu d'aide" in index
    assert "Nouveau lieu d'aide" in add
    assert "un(e)" not in index + add
    assert "Nouvel(le)" not in add


def test_listings_say_oui_or_non(editor_client, competency):
    Question.objects.create(
        competency=competency,
        kind=QuestionKind.TRUE_FALSE,
        prompt="La CAF aide à payer le loyer.",
        explanation="Oui, avec l'aide au logement.",
        is_active=False,
    )

    questions = visible_text(
        editor_client.get(reverse("wagtailsnippets_assessments_question:list"))
    )
    competencies = visible_text(
        editor_client.get(reverse("wagtailsnippets_curriculum_competency:list"))
    )

    assert "Vrai ou faux" in questions
    assert " non " in questions
    assert " non " in competencies
    for text in (questions, competencies):
        assert not re.search(r"\b(True|False)\b", text)


def test_a_question_picks_its_competency_in_a_plain_list(editor_client, competency):
    response = editor_client.get(reverse("wagtailsnippets_assessments_question:add"))
    html = page_text(response)
    assert '<select name="competency"' in html
    assert "CAF-01 — Sait demander l'aide au logement</option>" in html
