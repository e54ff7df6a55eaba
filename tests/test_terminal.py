"""The terminal chat: piped input, numbered buttons, several runners on one machine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_chat(db_url: str, name: str, lines: list[str], out_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat", "--as", name, "--database-url", db_url, "--out-dir", str(out_dir)],
        cwd=ROOT,
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_piped_checkin_with_numbered_buttons_exits_cleanly(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    lines = ["/start", "Ann", "Europe/London", "Kilometres", "2", "1", "2",
             "8 km in 45 min on concrete, lower back aching 4/10 since yesterday",
             "1", "2", "2", "1", "1", "/export"]
    result = run_chat(db, "ann", lines, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1) Easy" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "Logged: 8.0 km in 45 min on road" in result.stdout
    assert (tmp_path / "backstride-runs.csv").exists()


def test_two_runners_on_one_machine_are_kept_apart(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run_chat(db, "ann", ["/start", "Ann", "skip", "1", "1", "1", "1"], tmp_path)
    result = run_chat(db, "bob", ["/start"], tmp_path)
    assert "What should I call you?" in result.stdout
    again = run_chat(db, "ann", ["/settings"], tmp_path)
    assert "Name: Ann" in again.stdout


def test_empty_input_exits_cleanly(tmp_path: Path) -> None:
    result = run_chat(f"sqlite:///{tmp_path / 'c.db'}", "ann", [], tmp_path)
    assert result.returncode == 0 and result.stderr == ""


def test_edit_and_undo_by_numbered_options_in_the_terminal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    lines = ["/start", "Ann", "Europe/London", "Kilometres", "2", "1", "2",
             "ran 5 km yesterday in 30 min on grass, easy, no pain",
             "/edit", "1", "4 km",  # one run: straight to its fields; 1) Distance
             "/history", "/undo", "1", "/history"]
    result = run_chat(db, "ann", lines, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "filed under" in result.stdout and "Changed." in result.stdout and "4.0 km" in result.stdout
    assert "Removed:" in result.stdout and "No runs logged yet" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
