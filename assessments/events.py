"""Apps above assessments (certificates) act when a learner attains competencies,
yet assessments may not import them: they register a callback here, from their
`AppConfig.ready()`. Every service that records an attainment (quiz, in-person
validation) calls `attainment_recorded_notify` inside its transaction."""

from collections.abc import Callable

_attainment_recorded: list[Callable[..., None]] = []


def attainment_recorded_register(callback: Callable[..., None]) -> None:
    """`callback(learner_id=…, framework_id=…)` runs after new attainments."""
    if callback not in _attainment_recorded:
        _attainment_recorded.append(callback)


def attainment_recorded_notify(*, learner_id: int, framework_id: int) -> None:
    for callback in _attainment_recorded:
        callback(learner_id=learner_id, framework_id=framework_id)
