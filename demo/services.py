"""Demo data for the embedded mode: the Perche territory, a pilot and one account per
role. Idempotent: running it again changes nothing."""

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import EDITORS_GROUP, Role, RoleMembership, User
from accounts.selectors import terms_current
from accounts.services import learner_onboard, role_membership_create
from assessments.models import (
    AgeBand,
    Visit,
    VisitPurpose,
)
from assessments.services import visit_record
from certificates.services import certificate_issue
from curriculum.services import site_setup
from directory.models import HelpPlace
from directory.services import help_places_import
from reminders.services import deadlines_compute
from territories.models import EPCI, Commune
from territories.services import communes_import, pilot_ensure

from .content import curriculum_load
from .deadlines import deadline_rules_load
from .life import certified_life_load, learner_life_load

COMMUNES_CSV = (
    Path(__file__).resolve().parent.parent / "territories/data/communes-perche.csv"
)
HELP_PLACES_CSV = (
    Path(__file__).resolve().parent.parent / "directory/data/demo-lieux.csv"
)
PILOT_EPCI_SIREN = "200006971"  # Communauté de communes du Perche
DEMO_PASSWORD = "Perche-demo-2026"  # noqa: S105 - public, embedded mode only


@dataclass(frozen=True)
class DemoAccount:
    email: str
    first_name: str
    description: str
    role: str | None = None
    editor: bool = False
    superuser: bool = False


CERTIFIED_LEARNER = "certifiee@demo.majorite-prete.fr"
DEMO_ACCOUNTS = [
    DemoAccount(
        "jeune@demo.majorite-prete.fr",
        "Lina",
        "jeune de 17 ans, Nogent-le-Rotrou : 3 modules sur 7 faits, 2 en cours "
        "dont un quiz à repasser, le recensement à rattraper",
    ),
    DemoAccount(
        "nouveau@demo.majorite-prete.fr",
        "",
        "compte neuf : e-mail vérifié, pas encore de profil (passe par l'accueil)",
    ),
    DemoAccount(
        CERTIFIED_LEARNER,
        "Inès",
        "jeune de 17 ans, Nogent-le-Rotrou : certifiée, attestation délivrée",
    ),
    DemoAccount(
        "informateur@demo.majorite-prete.fr",
        "Karim",
        "informateur du PIJ, CC du Perche",
        role=Role.INFORMER,
    ),
    DemoAccount(
        "etablissement@demo.majorite-prete.fr",
        "Claire",
        "CPE d'un lycée, CC du Perche",
        role=Role.SCHOOL_STAFF,
    ),
    DemoAccount(
        "coordination@demo.majorite-prete.fr",
        "Sophie",
        "coordinatrice, CC du Perche",
        role=Role.COORDINATOR,
    ),
    DemoAccount(
        "editeur@demo.majorite-prete.fr", "Marc", "éditeur des contenus", editor=True
    ),
    DemoAccount(
        "admin@demo.majorite-prete.fr", "Admin", "administration", superuser=True
    ),
]


def _birth_date_turning_18_in(days: int, today: date) -> date:
    return date(today.year - 18, today.month, 1) + timedelta(days=days)


@transaction.atomic
def demo_load(*, today: date | None = None) -> list[DemoAccount]:
    today = today or date.today()
    communes_import(data=COMMUNES_CSV.read_bytes())
    home = site_setup()
    curriculum_load(home=home, now=timezone.now())
    deadline_rules_load()
    help_places_import(data=HELP_PLACES_CSV.read_bytes())
    epci = EPCI.objects.get(siren=PILOT_EPCI_SIREN)
    pilot_ensure(
        epci=epci,
        name="Attestation d'autonomie — CC du Perche",
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    # Its rights come with the site (setup_site).
    editors = Group.objects.get(name=EDITORS_GROUP)
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(email=account.email).first()
        if user is None:
            user = User.objects.create_user(
                email=account.email,
                password=DEMO_PASSWORD,
                first_name=account.first_name,
                is_staff=account.superuser,
                is_superuser=account.superuser,
            )
        EmailAddress.objects.get_or_create(
            user=user, email=account.email, defaults={"verified": True, "primary": True}
        )
        if account.role and not (
            RoleMembership.objects.active()
            .filter(user=user, role=account.role, epci=epci)
            .exists()
        ):
            # Directly, without invitation; the staff-account rule still holds.
            role_membership_create(actor=None, user=user, role=account.role, epci=epci)
        if account.editor:
            user.groups.add(editors)
    learner = User.objects.get(email=DEMO_ACCOUNTS[0].email)
    if not learner.is_onboarded:
        learner_onboard(
            user=learner,
            first_name=learner.first_name,
            birth_date=_birth_date_turning_18_in(200, today),
            commune=Commune.objects.get(insee_code="28280"),  # Nogent-le-Rotrou
            terms=terms_current(),
            terms_accepted=True,
            today=today,
        )
    deadlines_compute(learner=learner, today=today)
    learner_life_load(learner=learner, now=timezone.now())
    _demo_informer_load(epci=epci)
    certified_learner_load(today=today)
    return DEMO_ACCOUNTS


DEMO_INFORMER_PLACE = "demo-pij-cc-perche"
# (days ago, hour, purpose, commune INSEE code or None, age band, minutes, printed)
DEMO_VISITS = [
    (6, 10, VisitPurpose.CAF, "28280", AgeBand.FROM_18, 25, True),
    (5, 14, VisitPurpose.PARCOURSUP, "28280", AgeBand.FROM_16, 40, False),
    (4, 11, VisitPurpose.CPAM, "28342", AgeBand.FROM_18, 20, False),
    (3, 16, VisitPurpose.CV, None, AgeBand.FROM_22, 45, True),
    (1, 15, VisitPurpose.PRINTING, "28280", AgeBand.UNKNOWN, 5, True),
]


def _demo_informer_load(*, epci: EPCI) -> None:
    """The demo informer works at the PIJ of the CC du Perche, whose register
    already has a few lines (written once)."""
    informer = User.objects.get(email="informateur@demo.majorite-prete.fr")
    place = HelpPlace.objects.get(standard_id=DEMO_INFORMER_PLACE)
    membership = RoleMembership.objects.active().get(
        user=informer, role=Role.INFORMER, epci=epci
    )
    membership.places.add(place)
    if Visit.objects.filter(place=place).exists():
        return
    now = timezone.now()
    for days_ago, hour, purpose, insee, band, minutes, printed in DEMO_VISITS:
        day = timezone.localtime(now - timedelta(days=days_ago))
        visit_record(
            informer=informer,
            place=place,
            purpose=purpose,
            commune=Commune.objects.filter(insee_code=insee).first() if insee else None,
            age_band=band,
            minutes=minutes,
            printed=printed,
            now=day.replace(hour=hour, minute=0, second=0, microsecond=0),
        )


def certified_learner_load(*, today: date) -> None:
    """Inès went all the way: her certificate is issued (only while the pilot
    runs, like any certificate)."""
    learner = User.objects.get(email=CERTIFIED_LEARNER)
    if not learner.is_onboarded:
        learner.last_name = "Martin"  # the certificate shows "Inès M."
        learner.save(update_fields=["last_name"])
        learner_onboard(
            user=learner,
            first_name=learner.first_name,
            birth_date=_birth_date_turning_18_in(150, today),
            commune=Commune.objects.get(insee_code="28280"),  # Nogent-le-Rotrou
            terms=terms_current(),
            terms_accepted=True,
            today=today,
        )
    informer = User.objects.get(email="informateur@demo.majorite-prete.fr")
    certified_life_load(
        learner=learner,
        informer=informer,
        place=HelpPlace.objects.get(standard_id=DEMO_INFORMER_PLACE),
        now=timezone.now(),
    )
    certificate_issue(learner_id=learner.pk)
