import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from assessments.models import Attempt, QuestionKind
from demo.content import curriculum_load
from tests.factories import LearnerProfileFactory

from .conftest import fits_phone_width, log_in, serious_violations

pytestmark = pytest.mark.browser

PASSWORD = "Mot-de-passe-solide-42"


@pytest.fixture
def learner(site, perche):
    curriculum_load(home=site, now=timezone.now())
    return LearnerProfileFactory(user__first_name="Lina").user


def log_in_learner(page, user):
    log_in(page, user.email, PASSWORD)
    expect(page.get_by_text("Bonjour Lina").first).to_be_visible()


def current_attempt(page) -> Attempt:
    attempt_id = re.search(r"/quiz/([0-9a-f-]{36})/", page.url)[1]
    return Attempt.objects.get(pk=attempt_id)


def planned_answers(attempt: Attempt, *, right: bool) -> list:
    """For each served question, what to pick: (kind, position, the options' places
    on the page, 1 for the first shown; in the order to rank them for "order")."""
    plan = []
    for item in attempt.served_questions.order_by("position"):
        place = {option["token"]: n for n, option in enumerate(item.options, 1)}
        if item.kind == QuestionKind.ORDER:
            order = [place[token] for token in item.right_answer]
            plan.append((item.kind, item.position, order if right else order[::-1]))
        else:
            wanted = [
                place[option["token"]]
                for option in item.options
                if option["correct"] == right
            ]
            plan.append((item.kind, item.position, wanted if right else wanted[:1]))
    return plan


def tab_to(page, selector: str, limit: int = 400) -> None:
    """Press Tab until the element matching `selector` has the focus."""
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} n'est pas atteignable au clavier")


def answer_with_keyboard(page, plan) -> None:
    for kind, position, ids in plan:
        if kind == QuestionKind.ORDER:
            for rank, place in enumerate(ids, start=1):
                tab_to(page, f"#r{position}-{place}")
                page.keyboard.type(str(rank))
        elif kind == QuestionKind.MULTIPLE:
            for place in ids:
                tab_to(page, f"#c{position}-{place}")
                page.keyboard.press("Space")
        else:
            # Tab enters a radio group; the arrow keys move and select.
            tab_to(page, f"input[name=q{position}]")
            for _ in range(10):
                if (
                    page.evaluate("document.activeElement.id")
                    == f"c{position}-{ids[0]}"
                ):
                    break
                page.keyboard.press("ArrowDown")
            page.keyboard.press("Space")
    tab_to(page, "button[type=submit].button")
    page.keyboard.press("Enter")


def answer_with_clicks(page, plan) -> None:
    for kind, position, ids in plan:
        if kind == QuestionKind.ORDER:
            for rank, place in enumerate(ids, start=1):
                page.locator(f"#r{position}-{place}").select_option(str(rank))
        else:
            for place in ids:
                page.locator(f"#c{position}-{place}").check()
    page.get_by_role("button", name="Valider mes réponses").click()


def test_learner_reads_fails_retries_and_passes(page, learner):
    log_in_learner(page, learner)
    page.get_by_role("link", name="Les modules").first.click()
    page.get_by_role("link", name=re.compile("^S'assurer")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^S'assurer"))
    expect(
        page.get_by_role("heading", name="L'essentiel, facile à lire")
    ).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    page.get_by_role("button", name="Commencer le quiz").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("^Quiz"))
    assert serious_violations(page) == []
    assert fits_phone_width(page)
    attempt = current_attempt(page)

    # Submitting nothing is refused kindly, and nothing is graded.
    page.get_by_role("button", name="Valider mes réponses").click()
    expect(page.get_by_role("alert")).to_contain_text("Il manque tes réponses")
    attempt.refresh_from_db()
    assert not attempt.is_graded

    answer_with_clicks(page, planned_answers(attempt, right=False))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^Ton résultat")
    )
    expect(page.get_by_role("heading", name="Pas de panique")).to_be_visible()
    expect(page.get_by_text("Pourquoi :").first).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)

    # During the cooldown, the module page says when the quiz can be retried.
    page.get_by_role("link", name="Revenir au module").click()
    expect(page.get_by_text("Tu pourras refaire ce quiz")).to_be_visible()

    # Half an hour later (the cooldown), the learner retries with the keyboard only.
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=timezone.now() - timedelta(minutes=31)
    )
    page.reload()
    page.get_by_role("button", name="Refaire le quiz").click()
    retry = current_attempt(page)
    assert retry.pk != attempt.pk
    answer_with_keyboard(page, planned_answers(retry, right=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^Ton résultat")
    )
    expect(page.get_by_text(re.compile("acquise ✔")).first).to_be_visible()
    assert page.get_by_role("heading", name="Pas de panique").count() == 0

    page.get_by_role("link", name="Voir mon parcours").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon parcours")
    attained = page.get_by_role("heading", name=re.compile("Compétences acquises"))
    expect(attained).to_contain_text("(2 sur")
    expect(
        page.get_by_text("à valider avec un·e informateur·rice").first
    ).to_be_visible()
    assert serious_violations(page) == []
    assert fits_phone_width(page)


def test_quiz_without_javascript(page_without_js, learner):
    page = page_without_js
    log_in(page, learner.email, PASSWORD)
    page.goto("/modules/caf/")
    page.get_by_role("button", name="Commencer le quiz").click()
    answer_with_clicks(page, planned_answers(current_attempt(page), right=True))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("^Ton résultat")
    )
