"""Who may open what: every URL of the project, for every kind of person.

The URL configuration is walked: a URL that is neither in MATRIX nor covered by a
prefix of THIRD_PARTY fails the test until someone says who may open it. Each URL
is tried by ten actors, and the answer is the one a person would get: the page
(200), the login page (LOGIN), a redirect elsewhere (302), a refusal (403), not
found (404) — never a 500.

Object-level cases sit in the paths: learner A's quiz, informer A's open record,
the register of place A, a role and an invitation of EPCI A…; learner B,
informer B, coordinator B meet them as strangers."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Role, RoleInvitation
from accounts.services import role_invite
from assessments import services as assessments_services
from assessments.errors import PassportRefused
from certificates.models import BatchTrigger
from certificates.services import certificate_issue, issuance_batch_launch
from certificates.signing import signing_key
from curriculum.models import ModulePage
from curriculum.selectors import framework_current
from demo.content import curriculum_load
from reminders.models import PersonalDeadline
from reminders.services.planning import reminder_settings_for
from territories.models import Pilot
from tests.assessments.informers import help_place, informer_at, opened_record
from tests.certificates.people import attain
from tests.factories import (
    CommuneFactory,
    EPCIFactory,
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
    content_editor,
)
from tests.helpers import page_text
from tests.reminders.conftest import make_rule

pytestmark = pytest.mark.django_db

LOGIN = "login"  # a redirect to the login page
STAFF_HOME = "staff home"  # a redirect to /espace/ (staff meet no learner's page)
ACTORS = (
    "anonymous",
    "learner_a",
    "learner_b",
    "informer_a",
    "informer_b",
    "school_staff",
    "coordinator_a",
    "coordinator_b",
    "editor",
    "superuser",
)
LEARNERS = ("learner_a", "learner_b")
STAFF = tuple(a for a in ACTORS if a not in ("anonymous", *LEARNERS))


def everyone(outcome) -> dict[str, Any]:
    return dict.fromkeys(ACTORS, outcome)


def learners_only(**overrides) -> dict[str, Any]:
    """A learner's own page: staff are sent to their home, strangers to login."""
    return {
        **everyone(STAFF_HOME),
        "anonymous": LOGIN,
        **dict.fromkeys(LEARNERS, 200),
        **overrides,
    }


def signed_in(outcome, **overrides) -> dict[str, Any]:
    return {**everyone(outcome), "anonymous": LOGIN, **overrides}


def informers_only(**overrides) -> dict[str, Any]:
    return signed_in(403, **{"informer_a": 200, "informer_b": 200, **overrides})


def coordinators_of_a(**overrides) -> dict[str, Any]:
    """A page about EPCI A's roles: its coordinator and the superuser."""
    return signed_in(
        403,
        **{"coordinator_a": 200, "coordinator_b": 404, "superuser": 200, **overrides},
    )


# One entry per URL name: how to reach it (the method and a path built on the
# world below, which may create the object it needs) and the outcome per actor.
MATRIX = {
    # Public pages.
    "healthz": {"path": "/healthz", "expect": everyone({200, 503})},
    "dev-outbox": {"path": "/dev/courriels/", "expect": everyone(404)},
    "dev-outbox-message": {"path": "/dev/courriels/x/", "expect": everyone(404)},
    "accounts:commune-suggestions": {
        "path": "/bienvenue/communes/?q=nog",
        "expect": everyone(200),
    },
    "directory:search": {"path": "/aide/", "expect": everyone(200)},
    "directory:place-detail": {
        "path": lambda w: f"/aide/lieu/{w.place_a.pk}/",
        "expect": everyone(200),
    },
    "directory:api-openapi": {"path": "/api/v1/openapi.json", "expect": everyone(200)},
    "directory:api-search": {
        "path": "/api/v1/lieux/?code_insee=28280",
        "expect": everyone({200, 400}),
    },
    "directory:api-place": {
        "path": lambda w: f"/api/v1/lieux/{w.place_a.pk}/",
        "expect": everyone(200),
    },
    "directory:api-not-found": {"path": "/api/v1/lieux/a/b/", "expect": everyone(404)},
    "reminders:feed": {
        "path": lambda w: f"/planning/agenda/{w.feed_token}.ics",
        "expect": everyone(200),
    },
    "reminders:unsubscribe": {
        "path": "/rappels/desinscription/jeton-inconnu/",
        "expect": everyone(200),
    },
    "accounts:role-invitation-open": {
        "path": "/espace/invitation/jeton-inconnu/",
        "expect": everyone(302),
    },
    "accounts:role-invitation": {
        "path": "/espace/invitation/",
        "expect": everyone(404),
    },
    # Anyone signed in: about oneself.
    "accounts:onboarding": {
        "path": "/bienvenue/",
        # Staff accounts, editors and superusers included, are never learners.
        "expect": signed_in(403, learner_a=302, learner_b=302),
    },
    "accounts:account": {"path": "/compte/", "expect": signed_in(200)},
    "accounts:my-data": {"path": "/compte/mes-donnees/", "expect": signed_in(200)},
    "accounts:my-data-download": {
        "path": "/compte/mes-donnees/telecharger/",
        "expect": signed_in(200),
    },
    "accounts:my-data-view": {
        "path": "/compte/mes-donnees/tout-voir/",
        "expect": signed_in(200),
    },
    "accounts:account-delete": {
        "path": "/compte/mes-donnees/supprimer-mon-compte/",
        "expect": signed_in(200),
    },
    "accounts:staff-home": {
        "path": "/espace/",
        "expect": signed_in(200, learner_a=302, learner_b=302),
    },
    # A learner's own pages.
    "assessments:dashboard": {"path": "/parcours/", "expect": learners_only()},
    "assessments:passport": {"path": "/parcours/passeport/", "expect": learners_only()},
    "assessments:attempt-start": {
        "method": "post",
        "path": lambda w: f"/quiz/module/{w.module.pk}/commencer/",
        "expect": learners_only(learner_a=302, learner_b=302),
    },
    "assessments:attempt-detail": {
        "path": lambda w: f"/quiz/{w.attempt_a.pk}/",
        "expect": learners_only(learner_b=404),
    },
    "assessments:attempt-result": {
        "path": lambda w: f"/quiz/{w.attempt_a.pk}/resultat/",
        # Not graded yet: its owner is sent back to the quiz.
        "expect": learners_only(learner_a=302, learner_b=404),
    },
    "reminders:planning": {"path": "/planning/", "expect": learners_only()},
    "reminders:deadline-done": {
        "method": "post",
        "path": lambda w: f"/planning/{w.deadline_a.pk}/fait/",
        "expect": learners_only(learner_a=302, learner_b=404),
    },
    "reminders:feed-regenerate": {
        "method": "post",
        "path": "/planning/agenda/nouvelle-adresse/",
        "expect": learners_only(learner_a=302, learner_b=302),
    },
    "reminders:preferences": {"path": "/rappels/reglages/", "expect": learners_only()},
    # The informer's work.
    "assessments:passport-redeem": {
        "path": "/espace/passeport/",
        "expect": informers_only(),
    },
    "assessments:passport-open": {
        "path": "/espace/passeport/ACDEFGHJ/",
        "expect": informers_only(),
    },
    "assessments:learner-record": {
        # Informer A's open record of learner A: nobody else's to see.
        "path": lambda w: f"/espace/dossier/{w.record_a.pk}/",
        "expect": informers_only(informer_b=404),
    },
    "assessments:validation-create": {
        "method": "post",
        "path": lambda w: f"/espace/dossier/{w.record_a.pk}/valider/",
        # An empty form: refused, nothing written.
        "expect": informers_only(informer_a=400, informer_b=404),
    },
    "assessments:validation-withdraw": {
        "path": lambda w: f"/espace/validations/{w.validation_a.pk}/retirer/",
        "expect": signed_in(404, informer_a=200, coordinator_a=200, superuser=200),
    },
    "assessments:visit-create": {
        "path": "/espace/registre/nouveau/",
        "expect": informers_only(),
    },
    "assessments:register-summary": {
        "path": lambda w: f"/espace/registre/{w.place_a.pk}/",
        "expect": signed_in(404, informer_a=200, coordinator_a=200, superuser=200),
    },
    "assessments:register-csv": {
        "path": lambda w: f"/espace/registre/{w.place_a.pk}/csv/",
        "expect": signed_in(404, informer_a=200, coordinator_a=200, superuser=200),
    },
    # Coordination of EPCI A.
    "accounts:role-list": {
        "path": "/espace/roles/",
        "expect": coordinators_of_a(coordinator_b=200),
    },
    "accounts:role-revoke": {
        "path": lambda w: f"/espace/roles/{w.role_a().pk}/retirer/",
        "expect": coordinators_of_a(),
    },
    "accounts:role-places": {
        "path": lambda w: f"/espace/roles/{w.informer_a_role.pk}/lieux/",
        "expect": coordinators_of_a(),
    },
    "accounts:role-invitation-cancel": {
        "method": "post",
        "path": lambda w: f"/espace/roles/invitations/{w.invitation_a().pk}/annuler/",
        "expect": coordinators_of_a(coordinator_a=302, superuser=302),
    },
    # Wagtail's pages (the home page).
    "wagtail_serve": {"path": "/", "expect": everyone(200)},
}

# Certificates: anyone verifies; the holder downloads; EPCI A's coordination
# launches batches and revokes (the other EPCI's sees nothing of them).
MATRIX |= {
    "certificates:verify": {"path": "/certificats/verifier/", "expect": everyone(200)},
    "certificates:verify-code": {
        "path": lambda w: f"/certificats/verifier/{w.certificate_a.code}/",
        "expect": everyone(200),
    },
    "certificates:check": {"path": "/certificats/controle/", "expect": everyone(200)},
    "certificates:issuer": {"path": "/certificats/emetteur/", "expect": everyone(200)},
    "certificates:key": {
        "path": lambda w: f"/certificats/cles/{signing_key().key_id}/",
        "expect": everyone(200),
    },
    "certificates:status-list": {
        "path": "/certificats/statut/",
        "expect": everyone(200),
    },
    # Public like list 1, once a second list has opened (none has here).
    "certificates:status-list-number": {
        "path": "/certificats/statut/2/",
        "expect": everyone(404),
    },
    "certificates:api-verify": {
        "path": lambda w: f"/api/v1/attestations/{w.certificate_a.code}/",
        "expect": everyone(200),
    },
    "certificates:pdf": {
        "path": lambda w: f"/parcours/attestation/{w.certificate_a.pk}.pdf",
        "expect": learners_only(learner_b=404),
    },
    "certificates:credential": {
        "path": lambda w: f"/parcours/attestation/{w.certificate_a.pk}.json",
        "expect": learners_only(learner_b=404),
    },
    "certificates:coordination": {
        "path": "/espace/attestations/",
        "expect": signed_in(403, coordinator_a=200, coordinator_b=200, superuser=200),
    },
    "certificates:batch": {
        "path": lambda w: f"/espace/attestations/lots/{w.batch_a().pk}/",
        "expect": coordinators_of_a(),
    },
    "certificates:revoke": {
        "path": lambda w: f"/espace/attestations/{w.certificate_a.pk}/revoquer/",
        "expect": coordinators_of_a(),
    },
}

# Routes served by third-party code, by prefix: the CMS (its own permissions, and a
# refusal page for accounts without them: tests/accounts/test_staff_home.py), Django's
# admin, allauth's sign-in pages (tests/accounts), Wagtail's documents and page
# helpers, media files in debug mode. Their entry page is tried below.
THIRD_PARTY = ("cms/", "django-admin/", "compte/", "documents/", "_util/", "^media/")
THIRD_PARTY_ENTRIES = {
    "/cms/": signed_in(
        403, editor=200, coordinator_a=200, coordinator_b=200, superuser=200
    ),
    "/django-admin/": {**everyone(LOGIN), "superuser": 200},
    # Signed in already: sent on to one's start page.
    "/compte/login/": {**everyone({302, STAFF_HOME}), "anonymous": 200},
}


def routes(resolvers=None, prefix="", namespace=""):
    """(route, name) of every URL pattern of the configuration."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from routes(entry.url_patterns, route, inner)
        elif isinstance(entry, URLPattern):
            yield route, namespace + (entry.name or "")


def test_every_url_is_classified():
    unclassified = [
        (route, name)
        for route, name in routes()
        if name not in MATRIX and not route.startswith(THIRD_PARTY)
    ]
    assert unclassified == [], (
        "Ces adresses n'ont pas de ligne dans MATRIX : dis qui peut les ouvrir."
    )
    names = {name for _, name in routes()}
    assert set(MATRIX) - names == set(), "ligne de MATRIX sans adresse"


@dataclass
class World:
    """Two EPCIs, A and B, with a help place, an informer and a coordinator each;
    a learner in each; school staff, an editor and a superuser."""

    actors: dict
    place_a: Any
    place_b: Any
    module: Any
    attempt_a: Any
    deadline_a: Any
    feed_token: str
    record_a: Any
    validation_a: Any
    informer_a_role: Any
    epci_a: Any
    certificate_a: Any

    def role_a(self):
        """A fresh role in EPCI A (revoking one leaves it revoked)."""
        return RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=self.epci_a)

    def batch_a(self):
        return issuance_batch_launch(
            trigger=BatchTrigger.COORDINATOR,
            epci=self.epci_a,
            launched_by=self.actors["coordinator_a"],
        )

    def invitation_a(self) -> RoleInvitation:
        return role_invite(
            actor=self.actors["coordinator_a"],
            email=f"invite{RoleInvitation.objects.count()}@exemple.fr",
            role=Role.INFORMER,
            epci=self.epci_a,
        )


@pytest.fixture
def world(site, mailoutbox):
    now = timezone.now()
    curriculum_load(home=site, now=now - timedelta(hours=1))
    epci_a, epci_b = EPCIFactory(), EPCIFactory()
    place_a = help_place("PIJ A", epci=epci_a)
    place_b = help_place("PIJ B", epci=epci_b)
    informer_a_role = informer_at(place_a)
    learner_a = LearnerProfileFactory(commune=CommuneFactory(epci=epci_a)).user
    learner_b = LearnerProfileFactory(commune=CommuneFactory(epci=epci_b)).user
    actors = {
        "learner_a": learner_a,
        "learner_b": learner_b,
        "informer_a": informer_a_role.user,
        "informer_b": informer_at(place_b, first_name="Nadia").user,
        "school_staff": RoleMembershipFactory(role=Role.SCHOOL_STAFF, epci=epci_a).user,
        "coordinator_a": RoleMembershipFactory(epci=epci_a).user,
        "coordinator_b": RoleMembershipFactory(epci=epci_b).user,
        "editor": content_editor(),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    module = ModulePage.objects.get(slug="compte-bancaire")
    record_a = opened_record(
        learner=learner_a, informer=actors["informer_a"], place=place_a
    )
    validation_a = assessments_services.validation_record(
        informer=actors["informer_a"],
        passport_id=record_a.pk,
        competency_id=module.competencies.get(code="BANQUE-01").pk,
        note="Vu.",
    )
    rule = make_rule()
    # EPCI A runs the pilot; learner A holds its certificate.
    Pilot.objects.create(
        epci=epci_a,
        name="Expérimentation A",
        starts_on=now.date() - timedelta(days=30),
        ends_on=now.date() + timedelta(days=300),
    )
    attain(learner_a, framework_current(), skip=("BANQUE-01",))
    certificate_a = certificate_issue(learner_id=learner_a.pk).certificate
    return World(
        actors=actors,
        place_a=place_a,
        place_b=place_b,
        module=module,
        attempt_a=assessments_services.attempt_start(
            learner=learner_a, module=module, rng=random.Random(0)
        ),
        deadline_a=PersonalDeadline.objects.create(
            learner=learner_a,
            rule=rule,
            opens_on=date(2027, 1, 1),
            closes_on=date(2027, 3, 1),
        ),
        feed_token=reminder_settings_for(learner=learner_a).feed_token,
        record_a=record_a,
        validation_a=validation_a,
        informer_a_role=informer_a_role,
        epci_a=epci_a,
        certificate_a=certificate_a,
    )


def outcome(response) -> Any:
    if response.status_code == 302:
        if "/login/" in response.url:  # the site's, or the CMS's and admin's
            return LOGIN
        if response.url == "/espace/":
            return STAFF_HOME
    return response.status_code


def _matches(got, expected) -> bool:
    return got in expected if isinstance(expected, set) else got == expected


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_who_may_open_what(client, world, name):
    case = MATRIX[name]
    wrong = {}
    for actor in ACTORS:
        client.logout()
        if actor != "anonymous":
            client.force_login(world.actors[actor])
        path = case["path"](world) if callable(case["path"]) else case["path"]
        response = getattr(client, case.get("method", "get"))(path)
        got, expected = outcome(response), case["expect"][actor]
        if not _matches(got, expected):
            wrong[actor] = f"{got} au lieu de {expected}"
    assert wrong == {}, f"{name} : {wrong}"


@pytest.mark.parametrize("path", sorted(THIRD_PARTY_ENTRIES))
def test_the_entries_of_third_party_pages(client, world, path):
    wrong = {}
    for actor in ACTORS:
        client.logout()
        if actor != "anonymous":
            client.force_login(world.actors[actor])
        got = outcome(client.get(path))
        expected = THIRD_PARTY_ENTRIES[path][actor]
        if not _matches(got, expected):
            wrong[actor] = f"{got} au lieu de {expected}"
    assert wrong == {}, f"{path} : {wrong}"


def test_a_spent_or_expired_passport_opens_nothing(client, world):
    """A screenshot sent to a friend, a second informer, a code left too long."""
    learner = world.actors["learner_b"]
    now = timezone.now()
    _, spent = assessments_services.passport_issue(learner=learner, now=now)
    assessments_services.passport_redeem(
        informer=world.actors["informer_b"],
        code=spent,
        place=world.place_b,
        now=now,
    )
    _, expired = assessments_services.passport_issue(
        learner=learner, now=now - timedelta(minutes=16)
    )
    client.force_login(world.actors["informer_a"])
    for code in (spent, expired):
        response = client.post(
            "/espace/passeport/", {"code": code, "place": world.place_a.pk}
        )
        assert response.status_code == 400
        assert PassportRefused().message in page_text(response)
    # Informer B's record of learner B stays closed to informer A.
    record_b = learner.passports.get(redeemed_at__isnull=False)
    assert client.get(f"/espace/dossier/{record_b.pk}/").status_code == 404
