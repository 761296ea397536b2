"""The editors publish the modules, questions and deadline rules themselves, in a
CMS that names things in French; nobody else does."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from wagtail.models import Workflow
from wagtail.test.utils.form_data import (
    inline_formset,
    nested_form_data,
    rich_text,
    streamfield,
)

from accounts.models import Role
from assessments.models import Question
from curriculum.models import Competency, ModuleIndexPage, ModulePage
from curriculum.services import site_setup
from reminders.models import DeadlineRule
from tests.factories import EditorFactory, RoleMembershipFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def competency(db):
    return Competency.objects.create(
        code="CAF-01", label="Sait demander l'aide au logement", description="…"
    )


@pytest.fixture
def modules(site):
    return ModuleIndexPage.objects.get()


@pytest.fixture
def editor_client(client, site):
    client.force_login(EditorFactory())
    return client


def module_form(competency, **changes) -> dict:
    data = {
        "title": "La CAF",
        "slug": "caf",
        "intro": "Ton compte CAF et l'aide au logement.",
        "duration_minutes": "10",
        "easy_read": "La CAF aide à payer le loyer.",
        "body": streamfield(
            [("no_panic", {"title": "Pas de panique", "text": "Ça se corrige."})]
        ),
        "comments": inline_formset([]),
        "action-publish": "publish",
    }
    data.update(changes)
    # A list here is a multiple choice, not a nested form.
    return {**nested_form_data(data), "competencies": [str(competency.pk)]}


def add_module_url(modules) -> str:
    return reverse(
        "wagtailadmin_pages:add", args=["curriculum", "modulepage", modules.pk]
    )


def test_an_editor_publishes_a_new_module(editor_client, modules, competency):
    response = editor_client.post(add_module_url(modules), module_form(competency))
    assert response.status_code == 302
    module = ModulePage.objects.get(slug="caf")
    assert module.live
    assert not module.has_unpublished_changes
    assert editor_client.get("/modules/caf/").status_code == 200


def test_an_editor_publishes_a_change_to_a_module(editor_client, modules, competency):
    module = modules.add_child(
        instance=ModulePage(
            title="La CAF",
            slug="caf",
            intro="Avant.",
            duration_minutes=10,
            easy_read="…",
            body=[("no_panic", {"title": "Pas de panique", "text": "…"})],
        )
    )
    response = editor_client.post(
        reverse("wagtailadmin_pages:edit", args=[module.pk]),
        module_form(competency, intro="Après."),
    )

    assert response.status_code == 302
    module.refresh_from_db()
    assert module.intro == "Après."
    assert module.live and not module.has_unpublished_changes


def test_an_editor_asks_a_colleague_for_a_review_in_french(
    editor_client, modules, competency
):
    response = editor_client.get(
        reverse("wagtailadmin_pages:add", args=["curriculum", "modulepage", modules.pk])
    )
    text = page_text(response)
    assert "Publier" in text
    assert "Soumettre à Relecture" in text
    assert "Moderators" not in text
    workflow = modules.get_workflow()
    task = workflow.tasks.get().specific
    assert list(task.groups.values_list("name", flat=True)) == ["Éditeurs"]


def test_wagtail_groups_and_workflows_have_french_names(site):
    names = set(Group.objects.values_list("name", flat=True))
    assert {"Éditeurs", "Modérateurs"} <= names
    assert not names & {"Editors", "Moderators"}
    assert not Workflow.objects.filter(name__contains="approval").exists()


def question_form(competency) -> dict:
    return nested_form_data(
        {
            "competency": str(competency.pk),
            "kind": "true_false",
            "prompt": "La CAF verse l'aide au logement dès le premier mois.",
            "explanation": "Non : pas pour le mois d'entrée dans le logement.",
            "is_active": "on",
            "choices": inline_formset(
                [
                    {"text": "Vrai", "is_correct": "", "feedback": ""},
                    {"text": "Faux", "is_correct": "on", "feedback": ""},
                ],
                min=2,
            ),
        }
    )


def test_an_editor_adds_a_question_that_quizzes_use(editor_client, competency):
    response = editor_client.post(
        reverse("wagtailsnippets_assessments_question:add"), question_form(competency)
    )

    assert response.status_code == 302
    question = Question.objects.get(competency=competency)
    assert question.is_active
    assert question.choices.get(is_correct=True).text == "Faux"


def rule_form(**changes) -> dict:
    data = {
        "code": "caf-logement",
        "title": "Demander l'aide au logement",
        "body": "CAF",
        "official_url": "https://www.caf.fr/",
        "what_to_do": "Fais ta demande dès la signature du bail.",
        "severity": "elevee",
        "remedy": "Demande-la quand même : elle part du mois suivant.",
        "timing": "event",
        "event": "moving_in",
        "opens_years": "0",
        "opens_months": "0",
        "opens_days": "0",
        "closes_years": "0",
        "closes_months": "1",
        "closes_days": "0",
        "min_age": "15",
        "max_age": "25",
        "reminder_days": "30,7,1",
        "remind_on_opening": "on",
        "is_active": "on",
        "windows": inline_formset([]),
    }
    data.update(changes)
    return nested_form_data(data)


def test_an_editor_adds_a_deadline_rule(editor_client):
    response = editor_client.post(
        reverse("wagtailsnippets_reminders_deadlinerule:add"), rule_form()
    )

    assert response.status_code == 302
    assert DeadlineRule.objects.get(code="caf-logement").is_active


@pytest.mark.parametrize("role", [None, Role.INFORMER, Role.COORDINATOR])
def test_nobody_else_publishes_modules_questions_or_rules(
    client, modules, competency, role
):
    user = UserFactory() if role is None else RoleMembershipFactory(role=role).user
    client.force_login(user)

    client.post(add_module_url(modules), module_form(competency))
    client.post(
        reverse("wagtailsnippets_assessments_question:add"), question_form(competency)
    )
    client.post(reverse("wagtailsnippets_reminders_deadlinerule:add"), rule_form())

    assert not ModulePage.objects.exists()
    assert not Question.objects.exists()
    assert not DeadlineRule.objects.exists()


def test_an_editor_publishes_nothing_outside_the_modules(editor_client, site):
    response = editor_client.post(
        reverse("wagtailadmin_pages:edit", args=[site.pk]),
        nested_form_data(
            {
                "title": "Autre accueil",
                "slug": site.slug,
                "intro": site.intro,
                "body": rich_text("<p>Bienvenue.</p>"),
                "comments": inline_formset([]),
                "action-publish": "publish",
            }
        ),
    )

    assert response.status_code in (302, 403)
    site.refresh_from_db()
    assert site.title == "Prêt·e pour tes 18 ans ?"
    assert editor_client.get("/").status_code == 200
    assert "Autre accueil" not in page_text(editor_client.get("/"))


def test_setting_up_again_adds_nothing_twice(site):
    editors = Group.objects.get(name="Éditeurs")
    rights = (editors.permissions.count(), editors.page_permissions.count())
    site_setup()
    assert (editors.permissions.count(), editors.page_permissions.count()) == rights
    assert Workflow.objects.filter(name="Relecture").count() == 1
    assert Workflow.objects.get(name="Relecture").tasks.count() == 1
