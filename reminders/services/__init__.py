"""The reminders app's services: calendars, sweeps and sending, one module each."""

from .planning import (
    ComputeCounts,
    _deliveries,
    deadline_mark_done,
    deadlines_compute,
    deadlines_compute_many,
    feed_token_regenerate,
    learner_event_set,
    occurrences_for,
    planning_ensure,
    reminder_preferences_update,
    reminder_settings_for,
    reminders_unsubscribe,
)
from .sending import (
    SendRun,
    _due_batch,
    _due_batch_ids,
    _due_batch_query,
    is_quiet_hour,
    reminder_delivery_retry,
    reminders_dispatch,
    reminders_send_due,
)
from .sweeps import deadlines_sweep, deadlines_sweep_chunk, deadlines_sweep_resume

__all__ = [
    "ComputeCounts",
    "SendRun",
    "_due_batch",
    "_due_batch_ids",
    "_due_batch_query",
    "_deliveries",
    "deadline_mark_done",
    "deadlines_compute",
    "deadlines_compute_many",
    "deadlines_sweep",
    "deadlines_sweep_chunk",
    "deadlines_sweep_resume",
    "feed_token_regenerate",
    "is_quiet_hour",
    "learner_event_set",
    "occurrences_for",
    "planning_ensure",
    "reminder_delivery_retry",
    "reminder_preferences_update",
    "reminder_settings_for",
    "reminders_dispatch",
    "reminders_send_due",
    "reminders_unsubscribe",
]
