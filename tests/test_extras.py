"""Optional extras: a feature whose library is not installed says, in one line, which extra to install."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from dialogs.models import Checkin, Profile, Tier, TriageResult
from dialogs.ports import Change, Conversation, NewRun
from tests.cli_env import fresh_user
from tests.conftest import Chat, onboard

ROOT = Path(__file__).resolve().parents[1]
BLOCK = (
    "import sys\nfor name in {names!r}: sys.modules[name] = None\n"
    "from bot.cli import main\nsys.exit(main({argv!r}))"
)


def without(modules: list[str], argv: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Runs `backstride ARGV` as if the given modules were not installed."""
    return subprocess.run(
        [sys.executable, "-c", BLOCK.format(names=modules, argv=argv)], cwd=tmp_path, input="/help\n",
        capture_output=True, text=True, timeout=60,
        env=fresh_user(tmp_path, PYTHONPATH=str(ROOT), **env),
    )  # fmt: skip


def one_line_naming(result: subprocess.CompletedProcess[str], extra: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"backstride[{extra}]" in lines[0], result.stderr


def test_a_postgres_url_without_psycopg_names_the_postgres_extra(tmp_path: Path) -> None:
    url = "postgresql+psycopg://u:p@127.0.0.1:1/x"
    one_line_naming(without(["psycopg"], ["chat", "--database-url", url], tmp_path), "postgres")
    one_line_naming(without(["psycopg"], ["db", "current", "--database-url", url], tmp_path), "postgres")


@pytest.mark.parametrize("platform, token", [("telegram", "TELEGRAM_TOKEN"), ("discord", "DISCORD_TOKEN")])
def test_run_with_a_token_but_no_platform_library_names_its_extra(tmp_path: Path, platform: str, token: str) -> None:
    one_line_naming(without([platform], ["run"], tmp_path, **{token: "123:abc"}), platform)


def test_the_terminal_coach_needs_no_extra(tmp_path: Path) -> None:
    result = without(["telegram", "discord", "psycopg", "PIL", "tzfpy"], ["chat"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "/checkin" in result.stdout and "Traceback" not in result.stderr


async def test_progress_without_the_charts_extra_answers_in_words(
    chat: Chat, store, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    for name in [n for n in sys.modules if n == "PIL" or n.startswith("PIL.")] + ["PIL"]:
        monkeypatch.setitem(sys.modules, name, None)
    await onboard(chat)
    profile = Profile(name="Ann", timezone="Europe/London", onboarded=True)
    for days_ago in (1, 3, 8, 10, 15):
        checkin = Checkin(distance_km=5, duration_min=30, surface="grass", effort="easy", has_pain=False, pain_score=0)
        when = chat.engine.clock() - timedelta(days=days_ago)
        run = NewRun(checkin=checkin, result=TriageResult(Tier.KEEP_EASY, ()), logged_at=when)
        store.save(chat.address, Change(conversation=Conversation(), profile=profile, effects=[run]))
    replies = await chat.say("/progress")
    assert replies[0].image is None
    assert replies[0].text.startswith("Over the last") and "backstride[charts]" in replies[0].text


def test_doctor_names_the_missing_extras(tmp_path: Path) -> None:
    result = without(
        ["psycopg", "telegram"], ["doctor"], tmp_path,
        DATABASE_URL="postgresql+psycopg://u:p@127.0.0.1:1/x", TELEGRAM_TOKEN="123:abc",
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    assert "backstride[postgres]" in result.stdout and "backstride[telegram]" in result.stdout
