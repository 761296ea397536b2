import pytest

from .people import attain, framework_publish, learner_in, pilot_epci


@pytest.fixture
def framework(db):
    return framework_publish()


@pytest.fixture
def epci(db):
    return pilot_epci()


@pytest.fixture
def learner(epci):
    return learner_in(epci, first_name="Camille", last_name="Durand")


@pytest.fixture
def ready_learner(learner, framework):
    """Every competency attained: eligible."""
    attain(learner, framework)
    return learner
