"""What the platform holds about a learner: the export shows all of it, and every
model linked to a user is either in the export or left out for a written reason."""

import json
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse

from accounts import personal_data
from reminders.models import ReminderSettings
from tests.factories import UserFactory
from tests.helpers import page_text

from .people import certified

pytestmark = pytest.mark.django_db

ISO_PARIS = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?\+0[12]:00"

# Relations along which rows go with the user: what hangs from them is theirs too.
GOES_WITH_THE_USER = (models.CASCADE, models.RESTRICT)


def models_holding_data_about_a_user() -> set[str]:
    """Every model with a foreign key or one-to-one to the user, or to a model
    whose rows go with the user (recursively); project and third-party alike."""
    owned = {get_user_model()}
    found = {get_user_model()._meta.label_lower}
    grown = True
    while grown:
        grown = False
        for model in apps.get_models(include_auto_created=True):
            for field in model._meta.get_fields(include_parents=False):
                if not (field.concrete and field.is_relation):
                    continue
                if field.many_to_many or field.related_model not in owned:
                    continue
                label = model._meta.label_lower
                if label not in found:
                    found.add(label)
                    grown = True
                if field.remote_field.on_delete in GOES_WITH_THE_USER:
                    if model not in owned:
                        owned.add(model)
                        grown = True
    return found


def test_every_model_holding_data_about_a_user_is_exported_or_excluded_with_a_reason():
    found = models_holding_data_about_a_user()
    # The walk follows what hangs from the user's rows, not only direct links.
    assert {
        "reminders.reminderdelivery",
        "assessments.servedquestion",
        "account.emailconfirmation",
        "core.journalentry",
        "accounts.usersession",
    } <= found
    exported = {
        label for section in personal_data.sections() for label in section.models
    }
    excluded = set(personal_data.NOT_EXPORTED)
    undecided = found - exported - excluded
    assert undecided == set(), (
        "Ces modèles gardent des données liées à un compte : ajoute-les à une "
        "section de l'export (accounts.personal_data.Section) ou à NOT_EXPORTED "
        f"avec la raison : {sorted(undecided)}"
    )
    assert exported & excluded == set()
    known = {m._meta.label_lower for m in apps.get_models(include_auto_created=True)}
    assert (exported | excluded) - known == set(), "nom de modèle inconnu"
    assert all(reason.strip() for reason in personal_data.NOT_EXPORTED.values())


def test_the_download_holds_everything_about_the_learner(client, zelie, maelys):
    response = client.get(reverse("accounts:my-data-download"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith(
        'attachment; filename="majorite-prete-mes-donnees-'
    )
    data = json.loads(response.content)
    assert list(data) == [
        "à_propos",
        "compte",
        "adresses_email",
        "profil",
        "conditions_acceptées",
        "rôles",
        "invitations_reçues",
        "quiz",
        "compétences_acquises",
        "validations_en_personne",
        "attestations",
        "réglages_des_rappels",
        "dates_indiquées",
        "échéances",
        "rappels_par_email",
        "journal",
    ]
    assert data["compte"]["adresse_email"] == zelie.email
    assert data["compte"]["prénom"] == zelie.first_name
    # ISO 8601, in Paris time with its offset.
    assert re.fullmatch(ISO_PARIS, data["compte"]["dernière_connexion_le"])
    assert re.fullmatch(ISO_PARIS, data["compte"]["inscription_le"])
    assert data["adresses_email"] == [
        {"adresse": zelie.email, "vérifiée": True, "principale": True}
    ]
    assert data["profil"]["date_de_naissance"] == "2008-02-29"
    assert data["profil"]["commune"] == "Nogent-le-Rotrou"
    assert data["conditions_acceptées"][0]["version"] == "1.1"
    assert data["rôles"] == []

    (attempt,) = data["quiz"]
    assert attempt["état"] == "corrigé"
    assert attempt["score"] == "1.000"
    question = attempt["questions"][0]
    assert question["question"]
    assert set(question["ta_réponse"]) <= set(question["réponses_proposées"])
    assert question["score"] == "1.000"
    assert data["compétences_acquises"]
    assert {a["source"] for a in data["compétences_acquises"]} == {"quiz"}

    reminder_settings = data["réglages_des_rappels"]
    assert reminder_settings["ce_qui_te_concerne"] == [
        "Je suis inscrit·e à France Travail",
        "Je touche la prime d'activité",
    ]
    feed_token = ReminderSettings.objects.get(learner=zelie.user).feed_token
    assert reminder_settings["adresse_secrète_de_ton_agenda"].endswith(
        f"/planning/agenda/{feed_token}.ics"
    )
    assert {e["date_de"] for e in data["dates_indiquées"]} == {
        "Fin des droits à la Complémentaire santé solidaire",
        "Prochaine déclaration trimestrielle de prime d'activité",
    }
    assert sum(1 for d in data["échéances"] if d["faite_le"]) == 1
    assert {r["état"] for r in data["rappels_par_email"]} >= {"envoyé", "à envoyer"}
    actions = {entry["action"] for entry in data["journal"]}
    assert {
        "accounts.learner_onboarded",
        "assessments.attempt_graded",
        "assessments.competency_attained",
        "reminders.feed_regenerated",
    } <= actions
    assert {entry["par"] for entry in data["journal"]} == {"toi"}
    # Only hers.
    assert maelys.email not in response.content.decode()
    assert maelys.first_name not in response.content.decode()


def test_the_readable_page_shows_the_same_in_words(
    client, zelie, django_assert_max_num_queries
):
    # Whatever the amount of data: one query or two per section (in-person
    # validations and certificates included).
    with django_assert_max_num_queries(34):
        response = client.get(reverse("accounts:my-data-view"))
    text = page_text(response)
    assert response.status_code == 200
    for expected in (
        zelie.email,
        "Zélie-Prunelle",
        "Date de naissance",
        "29 février 2008",
        "Nogent-le-Rotrou",
        "Ouvrir et gérer son compte bancaire",
        "Je suis inscrit·e à France Travail",
        "Fin des droits à la Complémentaire santé solidaire",
        "quiz corrigé",
        "Télécharger le fichier (JSON)",
    ):
        assert expected in text, expected


def test_a_staff_account_sees_its_account_without_a_learner_profile(client):
    staff = UserFactory(is_staff=True, first_name="Aline")
    client.force_login(staff)
    assert client.get(reverse("accounts:my-data")).status_code == 200
    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200
    assert "Changer mon mot de passe" in page_text(page)
    assert 'name="birth_date"' not in page_text(page)
    assert "Compléter mon profil" not in page_text(page)
    # Nothing to correct: a forged post finds no profile.
    refused = client.post(reverse("accounts:account"), {"first_name": "X"})
    assert refused.status_code == 403
    data = json.loads(client.get(reverse("accounts:my-data-download")).content)
    assert data["compte"]["prénom"] == "Aline"
    assert data["profil"] is None
    assert data["quiz"] == [] and data["réglages_des_rappels"] is None


@pytest.mark.parametrize(
    "name", ["my-data", "my-data-download", "my-data-view", "account-delete"]
)
def test_my_data_pages_need_a_login(client, name):
    response = client.get(reverse(f"accounts:{name}"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_the_download_holds_her_certificate_and_in_person_validations(
    client, zelie, django_assert_max_num_queries
):
    certificate = certified(zelie)
    data = json.loads(client.get(reverse("accounts:my-data-download")).content)
    (issued,) = data["attestations"]
    assert (issued["code"], issued["état"]) == (certificate.code, "valide")
    in_person = data["validations_en_personne"]
    withdrawn = [v for v in in_person["validations"] if v["retirée_le"]]
    assert [v["raison_du_retrait"] for v in withdrawn] == ["Mauvaise compétence."]
    assert len(in_person["validations"]) >= 2
    assert {v["par"] for v in in_person["validations"]} == {"Karim"}
    (passport,) = in_person["passeports"]
    assert passport["lieu"] == "PIJ du Perche"
    assert passport["par"] == "Karim"
    # The register's line of that session is linked to her passport: shown too.
    line = passport["ligne_du_registre_d_accueil"]
    assert (line["motif"], line["commune"]) == (
        "Validation Majorité prête",
        "Nogent-le-Rotrou",
    )
    actions = {entry["action"] for entry in data["journal"]}
    assert {
        "assessments.learner_record_opened",
        "assessments.competency_validated",
        "assessments.validation_withdrawn",
        "certificates.certificate_issued",
    } <= actions

    # As many queries as for a learner without them.
    with django_assert_max_num_queries(34):
        text = page_text(client.get(reverse("accounts:my-data-view")))
    for expected in (certificate.code, "PIJ du Perche", "Mauvaise compétence."):
        assert expected in text, expected
