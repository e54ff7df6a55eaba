"""Telegram: the coach on python-telegram-bot (see `adapter.TelegramAdapter`)."""
