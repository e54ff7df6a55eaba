"""Reminders: when they fall due (schedule), what they say (texts), whether to send one now (dispatch)."""
