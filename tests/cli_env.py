"""The environment of a fresh user for tests that start `backstride` as a process."""

from __future__ import annotations

import os
from pathlib import Path

SETTING_PREFIXES = ("DATABASE_URL", "LOG_", "TELEGRAM_", "DISCORD_", "HEALTH_")


def fresh_user(home: Path, **extra: str) -> dict[str, str]:
    """This environment without Backstride settings, with the user data folder under `home`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(SETTING_PREFIXES)}
    return {**clean, "XDG_DATA_HOME": str(home / "data"), "HOME": str(home), **extra}
