import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import services
from assessments.models import (
    Attainment,
    Attempt,
    AttemptState,
    Choice,
    Question,
    QuestionKind,
    ServedQuestion,
)
from assessments.submission import field_name, rank_field_name
from curriculum.models import Competency, ModulePage
from tests.factories import LearnerProfileFactory, UserFactory
from tests.helpers import page_text

from .conftest import answers_for, served_list, served_of

pytestmark = pytest.mark.django_db

IN_PERSON_TAG = "à valider avec un·e informateur·rice"


def detail_url(attempt):
    return reverse("assessments:attempt-detail", args=[attempt.pk])


def result_url(attempt):
    return reverse("assessments:attempt-result", args=[attempt.pk])


def start_url(module):
    return reverse("assessments:attempt-start", args=[module.pk])


def form(data) -> dict[str, list[str]]:
    """POST data for the test client, keeping every value of multi-valued fields
    (the client would keep only the last one of a QueryDict)."""
    return {key: data.getlist(key) for key in data}


def is_checked(text, position, token) -> bool:
    tag = re.search(rf'<input[^>]*value="{re.escape(token)}"[^>]*>', text)
    assert tag, f"Pas de case pour la réponse {token} à la question {position}"
    assert f'name="{field_name(position)}"' in tag.group(0)
    return re.search(r"\schecked[\s>]", tag.group(0)) is not None


def selected_rank(text, position, token) -> str | None:
    name = re.escape(rank_field_name(position, token))
    select = re.search(rf'<select name="{name}".*?</select>', text, re.S)
    assert select, f"Pas de rang pour l'étape {token} à la question {position}"
    chosen = re.search(r'<option value="(\d*)" selected>', select.group(0))
    return chosen.group(1) if chosen else None


@pytest.fixture
def learner_client(client, learner):
    client.force_login(learner)
    return client


# Who may see the quiz pages


def test_quiz_pages_need_login(client, module, attempt):
    login = reverse("account_login")
    for url in (
        reverse("assessments:dashboard"),
        detail_url(attempt),
        result_url(attempt),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"{login}?next="), url
    response = client.post(start_url(module))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{login}?next=")
    assert Attempt.objects.count() == 1


def test_quiz_pages_need_a_completed_profile(client, module, attempt):
    client.force_login(UserFactory())
    onboarding = reverse("accounts:onboarding")
    for url in (reverse("assessments:dashboard"), detail_url(attempt)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == onboarding, url
    response = client.post(start_url(module))
    assert response["Location"] == onboarding
    assert Attempt.objects.count() == 1
    page = client.get(module.url)
    assert "complète ton profil" in page_text(page)


def test_start_from_the_module_page(learner_client, learner, module):
    page = page_text(learner_client.get(module.url))
    assert "Commencer le quiz" in page
    assert learner_client.get(start_url(module)).status_code == 405
    assert not Attempt.objects.exists()

    response = learner_client.post(start_url(module))
    attempt = Attempt.objects.get(learner=learner, module=module)
    assert response.status_code == 302
    assert response["Location"] == detail_url(attempt)
    quiz = learner_client.get(detail_url(attempt))
    text = page_text(quiz)
    assert quiz.status_code == 200
    assert "Question 1" in text
    assert "Question 9" in text
    assert "Question 10" not in text
    for item in served_list(attempt):
        assert item.prompt in text

    # Starting again resumes the same quiz, and the module page offers to resume it.
    assert learner_client.post(start_url(module))["Location"] == detail_url(attempt)
    assert Attempt.objects.count() == 1
    assert "Reprendre mon quiz" in page_text(learner_client.get(module.url))


def test_another_learners_quiz_is_not_found(client, learner, attempt):
    client.force_login(LearnerProfileFactory().user)
    assert client.get(detail_url(attempt)).status_code == 404
    assert (
        client.post(detail_url(attempt), form(answers_for(attempt))).status_code == 404
    )
    assert client.get(result_url(attempt)).status_code == 404
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    # The owner still sees it.
    client.force_login(learner)
    assert client.get(detail_url(attempt)).status_code == 200


# Answering


def test_a_refused_post_keeps_what_the_learner_ticked(learner_client, attempt):
    data = answers_for(attempt)
    missing = served_of(attempt, QuestionKind.MULTIPLE)
    del data[field_name(missing.position)]
    response = learner_client.post(detail_url(attempt), form(data))
    text = page_text(response)
    assert response.status_code == 400
    assert "Ton quiz n'a pas encore été corrigé" in text
    assert f"Il manque ta réponse à la question {missing.position}." in text

    for item in served_list(attempt):
        if item.kind == QuestionKind.ORDER:
            for token in item.tokens:
                posted = data[rank_field_name(item.position, token)]
                assert selected_rank(text, item.position, token) == posted
        else:
            ticked = set(data.getlist(field_name(item.position)))
            assert ticked or item.position == missing.position
            for token in item.tokens:
                assert is_checked(text, item.position, token) == (token in ticked)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS
    assert not Attainment.objects.exists()


def test_a_malformed_rank_is_refused_not_a_crash(learner_client, attempt):
    # "²" passes str.isdigit() but is not a number for int().
    data = answers_for(attempt)
    order = served_of(attempt, QuestionKind.ORDER)
    data[rank_field_name(order.position, order.tokens[0])] = "²"
    response = learner_client.post(detail_url(attempt), form(data))
    assert response.status_code == 400
    assert "chaque étape prend un rang de 1 à" in page_text(response)
    attempt.refresh_from_db()
    assert attempt.state == AttemptState.IN_PROGRESS


def test_a_good_post_shows_the_result(learner_client, learner, attempt):
    # Everything right but BANQUE-02: that competency fails.
    data = answers_for(attempt, right=lambda item: item.competency.code != "BANQUE-02")
    response = learner_client.post(detail_url(attempt), form(data))
    assert response.status_code == 302
    assert response["Location"] == result_url(attempt)

    result = learner_client.get(result_url(attempt))
    text = page_text(result)
    assert result.status_code == 200
    assert "Ton résultat" in text
    assert "Tu as réussi 6 questions sur 9" in text
    assert text.count("Pourquoi :") == 9
    for item in served_list(attempt):
        assert item.explanation in text
    assert "Pas de panique" in text
    assert "Tu pourras" not in text  # the cooldown shows in "Pas de panique"
    assert "tu peux réessayer à partir du" in text
    banque_02 = Competency.objects.get(code="BANQUE-02")
    assert re.search(rf"{re.escape(banque_02.label)}</strong> —\s*pas encore", text)

    # The quiz page now leads to the result; a second POST changes nothing.
    assert learner_client.get(detail_url(attempt))["Location"] == result_url(attempt)
    again = learner_client.post(detail_url(attempt), form(answers_for(attempt)))
    assert again["Location"] == result_url(attempt)
    attempt.refresh_from_db()
    assert attempt.score == Decimal("0.667")  # 6 right answers out of 9
    assert set(Attainment.objects.values_list("competency__code", flat=True)) == {
        "BANQUE-03"
    }


def test_no_panic_only_when_something_failed(learner_client, attempt):
    learner_client.post(detail_url(attempt), form(answers_for(attempt)))
    text = page_text(learner_client.get(result_url(attempt)))
    assert "Tu as réussi 9 questions sur 9" in text
    assert "Pas de panique" not in text
    # The in-person competency is not failed: it is validated in person.
    assert "à valider avec un·e informateur·rice, dans un lieu d'aide" in text
    assert text.count("acquise ✔") == 2


def test_the_module_page_shows_the_cooldown(learner_client, learner, module):
    attempt = services.attempt_start(learner=learner, module=module)
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt, right=False)
    )
    page = page_text(learner_client.get(module.url))
    assert "Tu pourras refaire ce quiz à partir du" in page
    assert "Commencer le quiz" not in page
    assert "Refaire le quiz" not in page
    assert result_url(attempt) in page

    response = learner_client.post(start_url(module), follow=True)
    assert response.redirect_chain[0][0] == module.url + "#quiz"
    assert "Tu pourras refaire ce quiz à partir du" in page_text(response)
    assert Attempt.objects.count() == 1


def test_after_the_cooldown_the_quiz_can_be_taken_again(
    learner_client, learner, module
):
    long_ago = timezone.now() - timedelta(hours=3)
    attempt = services.attempt_start(learner=learner, module=module, now=long_ago)
    services.attempt_submit(
        attempt_id=attempt.pk,
        learner=learner,
        data=answers_for(attempt, right=False),
        now=long_ago,
    )
    page = page_text(learner_client.get(module.url))
    assert "Refaire le quiz" in page
    assert "Tu pourras refaire" not in page


# Mon parcours


def test_dashboard_lists_modules_and_counts_attained(
    learner_client, learner, module, demo_curriculum
):
    response = learner_client.get(reverse("assessments:dashboard"))
    text = page_text(response)
    assert response.status_code == 200
    modules = ModulePage.objects.live()
    assert modules.count() == 7
    for each in modules:
        assert each.title in text
    assert text.count('class="module-card"') == 7
    assert "Compétences acquises (0 sur 17)" in text
    in_person = demo_curriculum.competencies.filter(requires_in_person=True)
    assert in_person.exists()
    assert text.count(IN_PERSON_TAG) == in_person.count()

    attempt = services.attempt_start(learner=learner, module=module)
    services.attempt_submit(
        attempt_id=attempt.pk, learner=learner, data=answers_for(attempt)
    )
    text = page_text(learner_client.get(reverse("assessments:dashboard")))
    assert "Compétences acquises (2 sur 17)" in text
    for code in ("BANQUE-02", "BANQUE-03"):
        assert Competency.objects.get(code=code).label in text
    assert "status-acquis" in text
    assert text.count(IN_PERSON_TAG) == in_person.count()


# Query counts do not grow with the data


def _busy_history(learner):
    """Graded attempts with attainments in several modules, an expired attempt,
    one in progress, and more questions in the bank."""
    competency = Competency.objects.get(code="BANQUE-02")
    for number in range(5):
        question = Question(
            competency=competency,
            kind=QuestionKind.SINGLE,
            prompt=f"Question supplémentaire {number}",
            explanation="Parce que.",
        )
        question.choices = [
            Choice(text="Oui", is_correct=True, sort_order=0),
            Choice(text="Non", is_correct=False, sort_order=1),
        ]
        question.save()
    start = timezone.now() - timedelta(days=2)
    modules = list(ModulePage.objects.live().order_by("path"))
    for hours, module in enumerate(modules[:5]):
        for turn, right in enumerate((False, True)):
            moment = start + timedelta(hours=hours * 5 + turn * 2)
            attempt = services.attempt_start(learner=learner, module=module, now=moment)
            services.attempt_submit(
                attempt_id=attempt.pk,
                learner=learner,
                data=answers_for(attempt, right=right),
                now=moment,
            )
    services.attempt_start(learner=learner, module=modules[5], now=start)  # expired
    services.attempt_start(learner=learner, module=modules[6])  # in progress
    assert Attempt.objects.filter(learner=learner).count() == 12
    assert Attainment.objects.filter(learner=learner).count() >= 6
    assert ServedQuestion.objects.filter(attempt__learner=learner).count() > 50


# At most this many queries, and the same number whatever the learner's history.
# Both pages list the nearest help places: the learner's commune, then one query per
# radius tried (at most four, here all four: no place near the test commune). Mon
# parcours also lists the in-person validations and who opened the record (2), and
# says where the learner stands for the certificate (6).
QUERY_CAPS = {"module": 24, "dashboard": 27}


@pytest.mark.parametrize("page", ["module", "dashboard"])
def test_query_count_does_not_grow_with_history(
    learner_client,
    learner,
    module,
    page,
    django_assert_max_num_queries,
    django_assert_num_queries,
):
    url = module.url if page == "module" else reverse("assessments:dashboard")
    learner_client.get(url)  # warm the site and content-type caches
    with django_assert_max_num_queries(QUERY_CAPS[page]) as empty:
        assert learner_client.get(url).status_code == 200
    baseline = len(empty)  # read now: each request resets the connection's log

    _busy_history(learner)
    learner_client.get(url)
    with django_assert_num_queries(baseline):
        response = learner_client.get(url)
    assert response.status_code == 200
    # The page did show the history it was given.
    if page == "dashboard":
        assert "Compétences acquises (0 sur" not in page_text(response)
    else:
        assert "Compétences déjà acquises dans ce module : 2." in page_text(response)


def test_nothing_right_reads_as_0_question(learner_client, attempt):
    data = answers_for(attempt, right=lambda item: False)
    learner_client.post(detail_url(attempt), form(data))
    text = page_text(learner_client.get(result_url(attempt)))
    assert "Tu as réussi 0 question sur 9" in text
    # The retry time reads « à 9 h 30 », never « à 9h30 ».
    assert re.search(r"à partir du \w+ (1er|\d+) \w+ à \d+ h( \d\d)?\.", text)
