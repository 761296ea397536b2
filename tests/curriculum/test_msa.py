"""Families of the MSA: a learner who says so sees the MSA's procedures and where to
reach it instead of the CPAM's and the CAF's numbers; the answer is optional, can be
corrected in Mon compte and is in « Mes données »."""

import re
import tomllib
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import LearnerProfile
from core.models import JournalEntry
from curriculum.models import ModulePage, Procedure
from demo.content import CONTENT_DIR, curriculum_load
from demo.deadlines import RULES_FILE, deadline_rules_load
from reminders.services import planning_ensure
from territories.models import Commune
from tests.factories import LearnerProfileFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

NAMES_CPAM_OR_CAF = re.compile(r"CPAM|CAF|ameli|Assurance Maladie|3646|3230")
CPAM_HELP = "Si tu bloques, appelle le 3646 ou va dans une France Services"
MSA_HELP = "tu n'as pas de compte ameli : ton compte, c'est ton espace privé sur msa.fr"


def _toml(path):
    with path.open("rb") as file:
        return tomllib.load(file)


def test_every_demo_procedure_and_rule_naming_the_cpam_or_the_caf_speaks_of_the_msa():
    procedures = _toml(CONTENT_DIR / "procedures.toml")["procedure"]
    rules = _toml(RULES_FILE)["rule"]
    silent = [
        p["code"]
        for p in procedures
        if NAMES_CPAM_OR_CAF.search(
            " ".join((p["institution"], p["where_to_get_help"], p["if_it_goes_wrong"]))
        )
        and "msa.fr" not in p.get("msa", "")
    ] + [
        r["code"]
        for r in rules
        if NAMES_CPAM_OR_CAF.search(" ".join((r["body"], r["what_to_do"], r["remedy"])))
        and "msa.fr" not in r.get("msa", "")
    ]
    assert silent == []
    assert len([p for p in procedures if p.get("msa")]) >= 7


def test_every_module_naming_the_cpam_or_the_caf_speaks_of_the_msa():
    for path in sorted((CONTENT_DIR / "modules").glob("*.toml")):
        module = _toml(path)
        text = " ".join(
            [module["intro"], module["easy_read"]]
            + [g.get("html", "") + g.get("text", "") for g in module["grain"]]
        )
        if NAMES_CPAM_OR_CAF.search(text):
            assert "MSA" in text, path.name


@pytest.fixture
def demo(site, perche):
    curriculum_load(home=site, now=timezone.now())
    deadline_rules_load()


def _card(text: str, code: str) -> str:
    return re.search(
        rf'(?s)<section[^>]*aria-labelledby="demarche-{code}".*?</section>', text
    )[0]


def test_a_learner_of_the_msa_sees_the_msa_procedure_and_where_to_reach_it(
    client, demo
):
    client.force_login(LearnerProfileFactory(family_msa=True).user)

    text = page_text(client.get(ModulePage.objects.get(slug="cpam-ameli").url))

    card = _card(text, "ameli-compte")
    assert "Ta famille dépend de la MSA" in card
    assert MSA_HELP in card
    assert 'href="https://www.msa.fr"' in card
    assert CPAM_HELP not in card


def test_a_learner_of_the_cpam_sees_the_cpam_numbers_only(client, demo):
    client.force_login(LearnerProfileFactory(family_msa=False).user)

    text = page_text(client.get(ModulePage.objects.get(slug="cpam-ameli").url))

    card = _card(text, "ameli-compte")
    assert CPAM_HELP in card
    assert MSA_HELP not in card


@pytest.mark.parametrize("signed_in", [False, True])
def test_without_an_answer_the_msa_variant_is_offered_folded(client, demo, signed_in):
    if signed_in:
        client.force_login(LearnerProfileFactory(family_msa=None).user)

    text = page_text(client.get(ModulePage.objects.get(slug="caf").url))

    card = _card(text, "caf-aide-logement")
    assert "3230" in card
    assert re.search(
        r"(?s)<details class=\"msa-note\">\s*<summary>Ta famille dépend de la MSA \?",
        card,
    )
    assert (
        Procedure.objects.get(code="caf-aide-logement").msa_where_to_get_help[:40]
        in card
    )


@pytest.mark.parametrize(("family_msa", "shown"), [(True, True), (False, False)])
def test_the_planning_says_what_changes_for_the_msa(client, demo, family_msa, shown):
    # 18 today: the ameli account rule (18 → 18 + 3 months) is running.
    today = timezone.localdate()
    born = date(today.year - 18, today.month, min(today.day, 28))
    profile = LearnerProfileFactory(birth_date=born, family_msa=family_msa)
    planning_ensure(learner=profile.user, today=today)
    client.force_login(profile.user)

    text = page_text(client.get(reverse("reminders:planning")))

    assert "À 18 ans : ton compte ameli et ton RIB" in text
    assert "(vérifié le 1er décembre 2026)" in text
    assert (
        "Pas de compte ameli pour toi : crée ton espace privé sur msa.fr" in text
    ) is shown


# ---------------------------------------------------------------- the answer


def _onboarding(**changes):
    data = {
        "first_name": "Lison",
        "birth_date": "2009-02-03",
        "commune_query": "Nogent-le-Rotrou (28400)",
        "accept_terms": "on",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("answer", "stored"), [("oui", True), ("non", False), ("", None)]
)
def test_the_msa_question_is_optional_at_onboarding(
    client, site, perche, answer, stored
):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:onboarding"), _onboarding(family_msa=answer)
    )

    assert response.status_code == 302
    assert LearnerProfile.objects.get(user=user).family_msa is stored


def test_a_made_up_answer_is_refused_in_french_and_nothing_is_written(
    client, site, perche
):
    user = UserFactory()
    client.force_login(user)

    response = client.post(
        reverse("accounts:onboarding"), _onboarding(family_msa="peut-être")
    )

    assert response.status_code == 200
    assert "Choisis une des réponses proposées." in page_text(response)
    assert not LearnerProfile.objects.filter(user=user).exists()


def test_the_answer_is_corrected_in_mon_compte_and_journaled(client, perche):
    nogent = Commune.objects.get(name="Nogent-le-Rotrou")
    profile = LearnerProfileFactory(family_msa=None, commune=nogent)
    client.force_login(profile.user)
    url = reverse("accounts:account")
    assert 'value="" selected' in page_text(client.get(url))

    response = client.post(
        url,
        {
            "first_name": profile.user.first_name,
            "birth_date": profile.birth_date.isoformat(),
            "commune_query": "Nogent-le-Rotrou (28400)",
            "family_msa": "oui",
        },
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.family_msa is True
    entry = JournalEntry.objects.get(action="accounts.learner_profile_updated")
    assert entry.details == {"fields": ["family_msa"]}
    assert 'value="oui" selected' in page_text(client.get(url))


def test_the_answer_is_in_my_data(client):
    profile = LearnerProfileFactory(family_msa=True)
    client.force_login(profile.user)

    text = page_text(client.get(reverse("accounts:my-data-download")))

    assert '"famille_affiliée_à_la_msa": "oui"' in text
