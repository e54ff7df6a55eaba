"""The README kept true: every command its Quickstart and "What it does" sections name is run here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from dialogs import timezones
from tests.cli_env import fresh_user

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ONBOARD = ["/start", "Ann", "Europe/London", "Kilometres", "2", "1", "2", "5", "5"]  # ..., age: Skip, health facts: none
FAILURES = ("I don't know /", "went wrong", "Traceback", "No file found")
GPX = """<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1"><trk><trkseg>
<trkpt lat="51.5000" lon="-0.1200"><time>2026-11-20T07:00:00Z</time></trkpt>
<trkpt lat="51.5090" lon="-0.1200"><time>2026-11-20T07:05:00Z</time></trkpt>
<trkpt lat="51.5180" lon="-0.1200"><time>2026-11-20T07:10:00Z</time></trkpt>
</trkseg></trk></gpx>
"""


def section(title: str) -> str:
    """The README text under `## title`, up to the next section, with lines joined."""
    found = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## )", README, re.S | re.M)
    assert found, f"README has no section {title!r}"
    return re.sub(r"\s+", " ", found.group(1))


NAMED = section("Quickstart") + " " + section("What it does")
SLASH_COMMANDS = sorted(set(re.findall(r"`(/[a-z]+)(?: [A-Z]+)?`", NAMED)))
DEV_COMMANDS = sorted(set(re.findall(r"\./dev ([a-z]+(?: upgrade| current| --as \w+)?)", NAMED)))


def backstride(args: list[str], home: Path, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], cwd=ROOT, input=stdin, capture_output=True, text=True,
        timeout=120, env=fresh_user(home, **env),
    )  # fmt: skip


def turns(stdout: str) -> dict[str, str]:
    """What the coach answered to each typed line (the last time it was typed)."""
    answers: dict[str, str] = {}
    for chunk in stdout.split("you> ")[1:]:
        typed, _, answer = chunk.partition("\n")
        answers[typed] = answer
    return answers


def test_the_readme_names_the_commands_it_promises() -> None:
    assert {"/start", "/checkin", "/plan", "/progress", "/export", "/forget", "/help", "/import"} <= set(SLASH_COMMANDS)
    assert {"chat", "test", "doctor", "db upgrade"} <= set(DEV_COMMANDS)
    assert "../shared" not in README  # a clone has no shared folder beside it


def test_every_slash_command_the_readme_names_answers_in_the_terminal(tmp_path: Path) -> None:
    run_file = tmp_path / "morning.gpx"
    run_file.write_text(GPX, encoding="utf-8")
    lines = list(ONBOARD)
    for command in SLASH_COMMANDS:
        lines += [f"/import {run_file}" if command == "/import" else command, "/cancel"]
    result = backstride(["chat"], tmp_path, "\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    answers = turns(result.stdout)
    for command in SLASH_COMMANDS:
        typed = f"/import {run_file}" if command == "/import" else command
        answer = answers.get(typed, "")
        assert answer.strip(), f"{typed}: no answer"
        assert not any(bad in answer for bad in FAILURES), f"{typed}: {answer[:400]}"
    assert "[file saved:" in answers["/export"] and "backstride-data.json" in answers["/export"]


def test_the_check_in_example_is_understood(tmp_path: Path) -> None:
    example = re.search(r'just say it: "([^"]+)"', NAMED)
    assert example
    result = backstride(["chat"], tmp_path, "\n".join([*ONBOARD, example.group(1)]) + "\n")
    answer = turns(result.stdout)[example.group(1)]
    assert "8.0 km in 45 min" in answer and "I didn't find a run" not in answer


def test_short_replies_outside_a_flow_are_acknowledged(tmp_path: Path) -> None:
    result = backstride(["chat"], tmp_path, "\n".join([*ONBOARD, "ok", "thanks"]) + "\n")
    for typed in ("ok", "thanks"):
        answer = turns(result.stdout)[typed]
        assert "/help" in answer and ")" not in answer  # a short answer, no numbered question


def test_every_time_zone_example_in_the_readme_is_understood() -> None:
    start = re.search(r"`/start`: (.*?)- `/checkin`", NAMED)
    assert start
    examples = re.findall(r"`([^`]+)`", start.group(1))
    assert {"München", "PST", "+01:00"} <= set(examples)
    for example in examples:
        assert timezones.resolve(example) is not None, example


def test_the_piped_example_runs_as_written(tmp_path: Path) -> None:
    found = re.search(r"`(printf '[^`]*') \| \./dev chat`", NAMED)
    assert found
    command = f"{found.group(1)} | {sys.executable} -m bot.cli chat"
    result = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env=fresh_user(tmp_path))
    assert result.returncode == 0 and "/checkin" in turns(result.stdout)["/help"], result.stdout + result.stderr


@pytest.mark.parametrize("command", DEV_COMMANDS)
def test_every_dev_command_the_readme_names_exists_and_works(tmp_path: Path, command: str) -> None:
    usage = subprocess.run(["bash", str(ROOT / "dev"), "--help"], capture_output=True, text=True, timeout=30).stdout
    assert f"./dev {command.split()[0]}" in usage
    verb = command.split()[0]
    if verb == "test":
        return  # this is it
    if command == "db current":
        backstride(["db", "upgrade"], tmp_path)  # a database that is there, so "current" has one to show
    result = backstride(command.split(), tmp_path, "/help\n")
    if verb == "run":  # no token configured: one line saying what to set
        assert result.returncode == 2 and "TELEGRAM_TOKEN" in result.stderr and "Traceback" not in result.stderr
        return
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "setting, value",
    [("DATABASE_URL", "nonsense://x"), ("LOG_LEVEL", "loud"), ("LOG_FORMAT", "xml"),
     ("TELEGRAM_WEBHOOK_PORT", "99999"), ("HEALTH_PORT", "0"), ("DISCORD_GUILD_ID", "abc")],
)
def test_a_bad_setting_stops_start_up_with_one_line_naming_it(tmp_path: Path, setting: str, value: str) -> None:
    result = backstride(["chat"], tmp_path, "/help\n", **{setting: value})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and setting in lines[0], result.stderr
