"""Data for the embedded-mode test, created inside the embedded server's own database
(`manage.py shell -c "from tests.core.embedded_data import create; create()"`): the
site, the demo curriculum and deadline rules (as the tests' fixtures load them) and
people made with the test factories, each with a session. Prints it all as JSON."""

import json
from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.utils import timezone

from curriculum.models import ModulePage
from curriculum.services import site_setup
from demo.content import curriculum_load
from demo.deadlines import deadline_rules_load
from tests.factories import (
    CommuneFactory,
    LearnerProfileFactory,
    RoleMembershipFactory,
    UserFactory,
)

MODULE_SLUG = "compte-bancaire"
OTHER_LEARNERS = 5
PLANNERS = 3
NEWCOMERS = 3


def _session(user) -> str:
    """A signed-in session, as the login page would leave it."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _user(**kwargs):
    # No usable password: the test signs in with sessions, and hashing one costs
    # a second of CPU each with the real hasher.
    return UserFactory(password=None, **kwargs)


def create() -> None:
    now = timezone.now()
    home = site_setup()
    curriculum_load(home=home, now=now - timedelta(hours=1))
    deadline_rules_load()
    module = ModulePage.objects.get(slug=MODULE_SLUG)
    seventeen = timezone.localdate() - timedelta(days=17 * 365 + 100)

    def learner():
        return LearnerProfileFactory(user=_user(), birth_date=seventeen).user

    commune = CommuneFactory()
    print(  # noqa: T201 - the test reads it
        json.dumps(
            {
                "module_url": module.url,
                "commune": commune.name,
                "birth_date": seventeen.isoformat(),
                "quiz_learner": _session(learner()),
                "other_learners": [_session(learner()) for _ in range(OTHER_LEARNERS)],
                "planners": [_session(learner()) for _ in range(PLANNERS)],
                "newcomers": [_session(_user()) for _ in range(NEWCOMERS)],
                "coordinator": _session(RoleMembershipFactory(user=_user()).user),
            }
        )
    )
