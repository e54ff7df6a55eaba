"""The old name of the reminder storage, kept for the modules that still import it.

New code imports storage.queue (claim / finish / release), storage.occurrences
(the rows dialogs.reminders.schedule names) and storage.tables (the tables).
"""

from __future__ import annotations

from dialogs.reminders.schedule import CLUB_SUMMARY, DIGEST
from storage.occurrences import (
    cancel_digest,
    followup_row,
    on_new_run,
    plan_info,
    replan,
    schedule_digest,
)
from storage.occurrences import plan_row as _plan_row
from storage.occurrences import utc as _utc
from storage.tables import CLAIMED, PENDING, SENT, SKIPPED, Reminder, ReminderPlan

__all__ = [
    "CLAIMED", "CLUB_SUMMARY", "DIGEST", "PENDING", "Reminder", "ReminderPlan", "SENT", "SKIPPED",
    "_plan_row", "_utc", "cancel_digest", "followup_row", "on_new_run", "plan_info", "replan", "schedule_digest",
]  # fmt: skip
