import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from wagtail.models import Page

from core.sources import is_official_url
from curriculum.models import (
    Competency,
    Framework,
    HomePage,
    LegalPage,
    ModuleIndexPage,
    ModulePage,
    Procedure,
)
from curriculum.selectors import framework_current
from demo.content import curriculum_load
from tests.factories import UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def curriculum(site):
    return curriculum_load(home=site, now=timezone.now())


def test_demo_framework(curriculum):
    assert framework_current() == curriculum
    assert curriculum.version == 1
    competencies = curriculum.competencies.all()
    assert competencies.count() >= 17
    assert competencies.filter(requires_in_person=True).count() >= 3
    assert ModulePage.objects.live().count() == 7
    for competency in competencies:
        assert competency.modules.count() == 1, competency.code
        assert competency.questions.count() >= 4, competency.code


def test_demo_load_is_idempotent(site, curriculum):
    counts = (Competency.objects.count(), ModulePage.objects.count())
    curriculum_load(home=site, now=timezone.now())
    assert (Competency.objects.count(), ModulePage.objects.count()) == counts
    assert Framework.objects.count() == 1


def test_every_demo_module_renders(client, curriculum):
    for module in ModulePage.objects.live():
        response = client.get(module.url)
        text = page_text(response)
        assert response.status_code == 200, module.slug
        assert module.title in text
        assert "L'essentiel, facile à lire" in text
        assert "Pas de panique" in text, module.slug
        assert "Trouver de l'aide" in text or "trouver de l'aide" in text
        # Anonymous visitors read everything; the quiz asks for an account.
        assert "il te faut un compte" in text


def test_procedures_link_to_official_sites_only(curriculum):
    for procedure in Procedure.objects.exclude(online_service_url=""):
        assert is_official_url(procedure.online_service_url), procedure.code


def test_module_index_lists_modules_in_order(client, curriculum):
    response = client.get("/modules/")
    text = page_text(response)
    titles = [m.title for m in ModulePage.objects.live().order_by("path")]
    positions = [text.index(title) for title in titles]
    assert positions == sorted(positions)
    assert titles[0].startswith("Ouvrir")


def test_page_tree_rules():
    assert ModulePage.parent_page_types == ["curriculum.ModuleIndexPage"]
    assert ModulePage.allowed_subpage_models() == []
    assert ModuleIndexPage in HomePage.allowed_subpage_models()
    assert LegalPage in HomePage.allowed_subpage_models()
    assert ModulePage not in HomePage.allowed_subpage_models()
    assert HomePage.allowed_parent_page_models() == [Page]


def test_page_tree_rules_on_real_pages(site, curriculum):
    index = ModuleIndexPage.objects.get()
    module = ModulePage.objects.first()
    assert ModulePage.can_create_at(index)
    assert not ModulePage.can_create_at(site)
    assert not ModulePage.can_create_at(module)
    assert not ModuleIndexPage.can_create_at(site)  # max_count = 1, one exists


def test_published_framework_is_frozen(curriculum):
    curriculum.quiz_cooldown_minutes = 1
    with pytest.raises(ValidationError, match="ne se modifie plus"):
        curriculum.save()
    with pytest.raises(ValidationError):
        curriculum.full_clean()
    with pytest.raises(ValidationError):
        curriculum.delete()
    assert Framework.objects.get(pk=curriculum.pk).quiz_cooldown_minutes == 30


def test_draft_framework_can_be_edited_then_published():
    draft = Framework.objects.create(version=2)
    draft.mastery_threshold = 0.9
    draft.save()
    draft.published_at = timezone.now()
    draft.save()
    assert framework_current() == draft
    draft.mastery_threshold = 0.5
    with pytest.raises(ValidationError):
        draft.save()


def test_cms_refuses_to_edit_a_published_framework(client, curriculum):
    admin = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(admin)
    edit_url = f"/cms/snippets/curriculum/framework/edit/{curriculum.pk}/"
    response = client.get(edit_url)
    assert response.status_code in (302, 403)
    # A forged post changes neither the threshold nor the cooldown nor the list.
    curriculum.refresh_from_db()
    before = (
        curriculum.mastery_threshold,
        curriculum.quiz_cooldown_minutes,
        set(curriculum.competencies.values_list("pk", flat=True)),
    )
    response = client.post(
        edit_url,
        {
            "name": curriculum.name,
            "version": curriculum.version,
            "competencies": list(before[2])[:1],
            "mastery_threshold": "0.5",
            "questions_per_competency": "1",
            "quiz_cooldown_minutes": "0",
            "attempt_time_limit_minutes": "120",
        },
    )
    assert response.status_code in (302, 403)
    curriculum.refresh_from_db()
    assert (
        curriculum.mastery_threshold,
        curriculum.quiz_cooldown_minutes,
        set(curriculum.competencies.values_list("pk", flat=True)),
    ) == before
    draft = Framework.objects.create(version=2)
    assert (
        client.get(f"/cms/snippets/curriculum/framework/edit/{draft.pk}/").status_code
        == 200
    )


def test_cms_lists_the_question_bank(client, curriculum):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    response = client.get("/cms/snippets/assessments/question/")
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/cms/snippets/assessments/question/?q=carte",
        "/cms/snippets/curriculum/competency/?q=CAF",
        "/cms/snippets/curriculum/procedure/?q=ameli",
    ],
)
def test_cms_search_in_content(client, curriculum, url):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert client.get(url).status_code == 200
