"""Every fact the site states has an official source and a check date; editors see
what to check again and mark it « vérifié aujourd'hui », journaled."""

import re
import tomllib
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from wagtail.test.utils.form_data import inline_formset, nested_form_data

from assessments.models import Question
from core.models import JournalEntry
from core.sources import is_official_url
from curriculum.models import Competency, ModulePage, Procedure
from demo.content import CONTENT_DIR, curriculum_load
from demo.deadlines import RULES_FILE, deadline_rules_load
from reminders.models import DeadlineRule, DeadlineWindow
from tests.factories import EditorFactory, RoleMembershipFactory, UserFactory
from tests.helpers import page_text

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
HREF = re.compile(r'href="([^"]+)"')


def _toml(path):
    with path.open("rb") as file:
        return tomllib.load(file)


def demo_items():
    """(what, source, check date) of every demo procedure, question and rule."""
    items = [
        (f"démarche {p['code']}", p.get("source"), p.get("checked"))
        for p in _toml(CONTENT_DIR / "procedures.toml")["procedure"]
    ]
    for path in sorted((CONTENT_DIR / "modules").glob("*.toml")):
        for question in _toml(path).get("question", []):
            what = f"{path.name} : {question['prompt'][:60]}"
            items.append((what, question.get("source"), question.get("checked")))
    items += [
        (f"règle {r['code']}", r.get("official_url"), r.get("checked"))
        for r in _toml(RULES_FILE)["rule"]
    ]
    return items


def demo_links():
    """Every address the demo content links to."""
    links = []
    for procedure in _toml(CONTENT_DIR / "procedures.toml")["procedure"]:
        links += [procedure["source"], procedure["online_service_url"]]
    for path in sorted((CONTENT_DIR / "modules").glob("*.toml")):
        module = _toml(path)
        links += [question["source"] for question in module.get("question", [])]
        for grain in module["grain"]:
            links += HREF.findall(grain.get("html", "") + grain.get("text", ""))
    links += [rule["official_url"] for rule in _toml(RULES_FILE)["rule"]]
    return [link for link in links if link]


@pytest.mark.parametrize(("what", "source", "checked"), demo_items())
def test_every_demo_fact_has_an_official_source_and_a_check_date(what, source, checked):
    assert source, f"{what} : pas de source"
    assert is_official_url(source), f"{what} : {source} n'est pas un site officiel"
    assert isinstance(checked, date), f"{what} : pas de date de vérification"
    assert checked <= TODAY, f"{what} : vérifié dans le futur"


def test_every_demo_link_points_to_an_official_site():
    outside = [link for link in demo_links() if not is_official_url(link)]
    assert outside == []


def test_yearly_windows_say_whether_their_dates_are_estimates():
    for rule in _toml(RULES_FILE)["rule"]:
        for window in rule.get("window", []):
            assert isinstance(window.get("estimated"), bool), rule["code"]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.service-public.gouv.fr/particuliers/vosdroits/F870",
        "https://www.caf.fr/allocataires",
        "https://www.msa.fr/lfp/web/msa/contacts",
        "https://ameli.fr",
        "https://www.legifrance.gouv.fr/codes/",
    ],
)
def test_official_sites_are_allowed(url):
    assert is_official_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://www.caf.fr/",  # not https
        "https://www.service-public.fr/particuliers/vosdroits/F870",  # the old address
        "https://caf.fr.aide-logement.com/",  # lookalike
        "https://www.aide-caf-rapide.fr/",
        "https://evilgouv.fr/",
        "https://www.caf.fr@arnaque.example/",
        "ftp://impots.gouv.fr/",
        "pas une adresse",
        "",
    ],
)
def test_other_sites_are_refused(url):
    assert not is_official_url(url)


def test_a_source_outside_the_official_sites_is_refused_with_a_french_message():
    procedure = Procedure(
        code="faux",
        title="Une démarche",
        institution="CAF",
        where_to_get_help="…",
        if_it_goes_wrong="…",
        source_url="https://www.aide-caf-rapide.fr/",
    )
    with pytest.raises(ValidationError, match="site officiel"):
        procedure.full_clean()


# ---------------------------------------------------------------- what learners see


@pytest.fixture
def demo(site):
    curriculum_load(home=site, now=timezone.now())
    deadline_rules_load()


def test_demo_items_are_loaded_with_their_source_and_date(demo):
    assert not Procedure.objects.filter(source_url="").exists()
    assert not Procedure.objects.filter(checked_on__isnull=True).exists()
    assert not Question.objects.filter(checked_on__isnull=True).exists()
    assert not DeadlineRule.objects.filter(checked_on__isnull=True).exists()
    assert DeadlineWindow.objects.filter(dates_estimated=True).exists()


def test_procedure_cards_say_when_they_were_checked(client, demo):
    procedure = Procedure.objects.get(code="caf-aide-logement")
    procedure.checked_on = date(2026, 11, 1)
    procedure.save()

    text = page_text(client.get(ModulePage.objects.get(slug="caf").url))

    assert "vérifiée le 1er novembre 2026." in text
    assert f'href="{procedure.source_url}"' in text


# ---------------------------------------------------------------- editors


@pytest.fixture
def facts(site):
    """A procedure checked 13 months ago, one 11 months ago, a question never
    checked, a rule checked long ago with an estimated window to come and one past."""
    old = Procedure.objects.create(
        code="ancienne",
        title="Fiche ancienne",
        institution="CAF",
        where_to_get_help="…",
        if_it_goes_wrong="…",
        source_url="https://www.caf.fr/",
        checked_on=TODAY - timedelta(days=400),
    )
    fresh = Procedure.objects.create(
        code="recente",
        title="Fiche récente",
        institution="CAF",
        where_to_get_help="…",
        if_it_goes_wrong="…",
        source_url="https://www.caf.fr/",
        checked_on=TODAY - timedelta(days=330),
    )
    competency = Competency.objects.create(code="CAF-01", label="…", description="…")
    question = Question.objects.create(
        competency=competency,
        kind="true_false",
        prompt="Jamais vérifiée : vrai ou faux ?",
        explanation="…",
    )
    rule = DeadlineRule(
        code="ETU-TEST",
        title="Une échéance annuelle",
        body="CROUS",
        official_url="https://www.etudiant.gouv.fr",
        severity="moyenne",
        what_to_do="…",
        remedy="…",
        timing="yearly",
        checked_on=TODAY - timedelta(days=800),
    )
    rule.windows = [
        DeadlineWindow(
            opens_on=TODAY + timedelta(days=100),
            closes_on=TODAY + timedelta(days=150),
            dates_estimated=True,
        ),
        DeadlineWindow(
            opens_on=TODAY - timedelta(days=150),
            closes_on=TODAY - timedelta(days=100),
            dates_estimated=True,
        ),
    ]
    rule.save()
    return {"old": old, "fresh": fresh, "question": question, "rule": rule}


URL = "/cms/a-reverifier/"


def test_editors_see_what_to_check_again(client, facts, django_assert_max_num_queries):
    client.force_login(EditorFactory())

    with django_assert_max_num_queries(30):
        response = client.get(URL)

    text = page_text(response)
    assert response.status_code == 200
    assert "Fiche ancienne" in text
    assert "Fiche récente" not in text
    assert "Jamais vérifiée" in text
    assert "ETU-TEST — Une échéance annuelle" in text
    upcoming = DeadlineWindow.objects.get(rule=facts["rule"], opens_on__gt=TODAY)
    assert text.count("<td>ETU-TEST — du") == 1
    assert f'pk" value="{upcoming.pk}"' in response.content.decode()


def test_the_listing_stays_within_its_queries_with_many_items(
    client, facts, django_assert_max_num_queries
):
    competency = facts["question"].competency
    Question.objects.bulk_create(
        Question(
            competency=competency, kind="true_false", prompt=f"Q{n}", explanation="…"
        )
        for n in range(40)
    )
    client.force_login(EditorFactory())
    with django_assert_max_num_queries(30):
        assert client.get(URL).status_code == 200


def test_checked_today_dates_the_item_and_goes_to_the_journal(client, facts):
    editor = EditorFactory()
    client.force_login(editor)
    old = facts["old"]

    response = client.post(URL, {"kind": "demarche", "pk": old.pk}, follow=True)

    old.refresh_from_db()
    assert old.checked_on == TODAY
    assert "vérifié le" in page_text(response)
    assert "Fiche ancienne" not in page_text(response)
    entry = JournalEntry.objects.get(action="content.fact_checked")
    assert (entry.actor, entry.target_type, entry.target_id) == (
        editor,
        "curriculum.procedure",
        str(old.pk),
    )
    assert entry.details == {"kind": "demarche", "checked_on": TODAY.isoformat()}


def test_confirming_a_window_takes_it_off_the_estimates(client, facts):
    client.force_login(EditorFactory())
    window = DeadlineWindow.objects.get(rule=facts["rule"], opens_on__gt=TODAY)

    client.post(URL, {"kind": "fenetre", "pk": window.pk})

    window.refresh_from_db()
    assert not window.dates_estimated
    assert "ETU-TEST — du" not in page_text(client.get(URL))
    assert JournalEntry.objects.filter(
        action="content.fact_checked", target_type="reminders.deadlinewindow"
    ).exists()


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "demarche", "pk": "abc"},
        {"kind": "demarche"},
        {"kind": "demarche", "pk": "999999"},
        {"kind": "demarche", "pk": "99999999999999999999999"},
        {"kind": "page", "pk": "1"},
        {},
    ],
)
def test_bad_input_is_refused_in_french_without_writing(client, facts, data):
    client.force_login(EditorFactory())

    response = client.post(URL, data, follow=True)

    assert response.status_code == 200
    assert (
        "introuvable" in page_text(response)
        or "n'existe plus" in page_text(response)
        or "ne se vérifie pas" in page_text(response)
    )
    assert not JournalEntry.objects.filter(action="content.fact_checked").exists()
    facts["old"].refresh_from_db()
    assert facts["old"].checked_on != TODAY


@pytest.mark.parametrize("role", [None, "informateur", "coordination"])
def test_nobody_else_sees_or_checks(client, facts, role):
    from accounts.models import Role

    roles = {"informateur": Role.INFORMER, "coordination": Role.COORDINATOR}
    user = (
        UserFactory() if role is None else RoleMembershipFactory(role=roles[role]).user
    )
    client.force_login(user)

    assert client.get(URL).status_code in (302, 403)
    client.post(URL, {"kind": "demarche", "pk": facts["old"].pk})

    facts["old"].refresh_from_db()
    assert facts["old"].checked_on != TODAY
    assert not JournalEntry.objects.filter(action="content.fact_checked").exists()


def test_an_editor_cannot_give_a_rule_an_unofficial_link(client, site):
    client.force_login(EditorFactory())
    data = nested_form_data(
        {
            "code": "faux-lien",
            "title": "Demander l'aide au logement",
            "body": "CAF",
            "official_url": "https://www.aide-caf-rapide.fr/",
            "what_to_do": "…",
            "severity": "elevee",
            "remedy": "…",
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
            "windows": inline_formset([]),
        }
    )

    response = client.post(reverse("wagtailsnippets_reminders_deadlinerule:add"), data)

    assert response.status_code == 200
    assert "site officiel" in page_text(response)
    assert not DeadlineRule.objects.filter(code="faux-lien").exists()
