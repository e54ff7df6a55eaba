"""The terminal chat: piped input, numbered buttons, several runners, restarts, reminders and Ctrl-C."""

from __future__ import annotations

import asyncio
import io
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.scheduler import Dispatcher
from bot.terminal import PLATFORM, chat
from dialogs.engine import Engine
from dialogs.messages import Address, ChatKind, Incoming
from storage.database import open_database
from storage.repository import SqlStore
from tests.cli_env import fresh_user
from tests.conftest import Clock

ROOT = Path(__file__).resolve().parents[1]
ONBOARD = ["/start", "Ann", "Europe/London", "Kilometres", "2", "1", "2", "5", "5"]  # ..., age: Skip, health: none
SCREEN_NO = ["2", "2", "2", "2"]  # No to each warning-sign group: spine, heart, today, soon
PAIN_RUN = "8 km in 45 min on concrete, lower back aching 4/10 since yesterday"


def run_chat(
    db_url: str, name: str, lines: list[str], out_dir: Path | None, **env: str
) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "bot.cli", "chat", "--as", name, "--database-url", db_url]
    if out_dir is not None:
        args += ["--out-dir", str(out_dir)]
    home = Path(db_url.removeprefix("sqlite:///")).parent
    return subprocess.run(
        args, cwd=ROOT, input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=120,
        env=fresh_user(home, **env),
    )  # fmt: skip


def logged(stdout: str) -> str:
    found = re.findall(r"Logged: [^\n]*", stdout)
    assert found, stdout[-2000:]
    return found[-1]


def test_piped_checkin_with_numbered_buttons_exits_cleanly(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    lines = [*ONBOARD, PAIN_RUN, "1", "2", "2", *SCREEN_NO, "/export"]
    result = run_chat(db, "ann", lines, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1) Easy" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    assert "Logged: 8.0 km in 45 min on road" in result.stdout
    assert "1) Yes   2) No   3) Not sure" in result.stdout
    assert "Safety net: call 999 (or 112) now" in result.stdout
    assert (tmp_path / "backstride-runs.csv").exists()


def test_a_typed_number_that_is_a_label_means_that_label(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    no_score = "8 km in 45 min on concrete, lower back aching since yesterday"
    result = run_chat(db, "ann", [*ONBOARD, no_score, "1", "9", "2", "2", *SCREEN_NO], tmp_path)
    assert "0 (nothing) to 10" in result.stdout
    assert "pain 9/10" in logged(result.stdout)


def test_exports_go_to_the_data_folder_and_the_path_is_printed(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    result = run_chat(db, "ann", [*ONBOARD, "5 km in 30 min on grass, no pain", "1", "/export"], None)
    folder = tmp_path / "data" / "backstride" / "exports" / "ann"
    csv = folder / "backstride-runs.csv"
    assert f"[file saved: {csv}]" in result.stdout
    assert "Here is your one run." in result.stdout
    assert csv.stat().st_mode & 0o077 == 0  # health data: readable by the runner's account only
    assert not (ROOT / "backstride-runs.csv").exists()


def test_a_question_is_shown_again_after_a_restart_and_its_number_still_works(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    first = run_chat(db, "ann", [*ONBOARD, "8 km in 45 min on concrete, lower back aching 4/10"], None)
    assert "How hard did it feel?" in first.stdout
    again = run_chat(db, "ann", ["3"], None)
    before_typing = again.stdout.split("you> 3")[0]
    assert "Where we left off:" in before_typing and "3) Hard" in before_typing
    assert "That question has passed" not in again.stdout
    assert "Since when?" in again.stdout  # "3" answered Hard and the check-in moved on


def test_typed_number_equal_to_a_button_label_picks_that_label(tmp_path: Path) -> None:
    # At the 0-10 question "9" is the button labelled 9, not button number 9 (which is 8).
    db = f"sqlite:///{tmp_path / 'c.db'}"
    lines = ["/start", "Ann", "Europe/London", "Kilometres", "2", "1", "2", "5", "5",
             "/checkin", "8 km", "45 min", "1", "1", "2", "1",
             "9",
             "Ache", "Yesterday", "Same", "No", "No", "No", "No", "No"]
    result = run_chat(db, "ann", lines, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Logged: 8.0 km in 45 min on road, easy effort, pain 9/10." in result.stdout
    assert "8/10" not in result.stdout


def test_two_runners_on_one_machine_are_kept_apart(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    run_chat(db, "ann", ["/start", "Ann", "skip", "1", "1", "1", "1", "5", "5"], tmp_path)
    result = run_chat(db, "bob", ["/start"], tmp_path)
    assert "What should I call you?" in result.stdout
    again = run_chat(db, "ann", ["/settings"], tmp_path)
    assert "Name: Ann" in again.stdout


def test_the_terminal_does_not_ask_for_a_location(tmp_path: Path) -> None:
    result = run_chat(f"sqlite:///{tmp_path / 'c.db'}", "ann", ["/start", "Ann"], tmp_path)
    assert "Which time zone" in result.stdout
    assert "location" not in result.stdout.lower()


def test_empty_input_exits_cleanly(tmp_path: Path) -> None:
    result = run_chat(f"sqlite:///{tmp_path / 'c.db'}", "ann", [], tmp_path)
    assert result.returncode == 0 and result.stderr == ""


def test_log_level_setting_is_honoured(tmp_path: Path) -> None:
    quiet = run_chat(f"sqlite:///{tmp_path / 'c.db'}", "ann", ["/help"], tmp_path)
    assert "reminder dispatcher started" not in quiet.stderr
    chatty = run_chat(f"sqlite:///{tmp_path / 'c.db'}", "ann", ["/help"], tmp_path, LOG_LEVEL="INFO")
    assert "reminder dispatcher started" in chatty.stderr


def test_a_bad_database_url_is_one_line_naming_it(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"], cwd=ROOT, input="/help\n", capture_output=True, text=True,
        timeout=60, env=fresh_user(tmp_path, DATABASE_URL="nonsense://x"),
    )  # fmt: skip
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "DATABASE_URL" in result.stderr


class Terminal:
    """`backstride chat` on a real pseudo-terminal, as a person at a keyboard would run it."""

    def __init__(self, home: Path, *args: str) -> None:
        env, argv = fresh_user(home), [sys.executable, "-m", "bot.cli", "chat", *args]  # nothing but exec after fork
        env["PROMPT_TOOLKIT_NO_CPR"] = "1"  # nobody answers prompt_toolkit's cursor-position request on this pty
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child
            os.chdir(ROOT)
            os.execve(sys.executable, argv, env)
        self.seen = b""
        self.consumed = 0  # how far earlier read_until calls have matched

    def read_until(self, marker: bytes, timeout: float = 60) -> bytes:
        """Returns the output after the last match up to and including the first `marker`."""
        start = self.consumed
        deadline = time.monotonic() + timeout
        while marker not in self.seen[start:] and time.monotonic() < deadline:
            self._read(0.2)
        found = self.seen.find(marker, start)
        assert found >= 0, self.seen[start:][-1500:]
        self.consumed = found + len(marker)
        return self.seen[start : self.consumed]

    def _read(self, wait: float) -> None:
        if select.select([self.fd], [], [], wait)[0]:
            try:
                self.seen += os.read(self.fd, 65536)
            except OSError:
                pass

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def exit_code(self, within: float) -> int:
        """Waits for the chat to end; kills it and fails if it has not within `within` seconds."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            done, status = os.waitpid(self.pid, os.WNOHANG)
            if done:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self._read(0.1)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        raise AssertionError(f"chat still running {within} s later")


def test_ctrl_c_quits_at_once(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path, "--database-url", f"sqlite:///{tmp_path / 'c.db'}")
    terminal.read_until(b"you>")
    terminal.type(b"\x03")
    assert terminal.exit_code(within=5) == 0


async def test_a_reminder_prints_above_a_half_typed_line_which_stays_intact(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'c.db'}"
    store = SqlStore(open_database(database))
    now = datetime.now(timezone.utc)
    offset = (12 - now.hour + 12) % 24 - 12  # a zone where it is about noon: no quiet hours
    zone = f"{'+' if offset >= 0 else '-'}{abs(offset):02d}:00"
    engine = Engine(store, clock=lambda: now - timedelta(minutes=40))  # planned 40 min ago: the warm-up is due
    address = Address(PLATFORM, "ann", "ann", ChatKind.PRIVATE)
    run_at = now + timedelta(hours=offset, minutes=20)
    for line in ["/start", "Ann", zone, "1", "1", "1", "1", "5", "5", f"/plan {run_at:%a} {run_at:%H:%M}"]:
        await engine.handle(Incoming.from_text(address, line))
    store.engine.dispose()
    terminal = Terminal(tmp_path, "--as", "ann", "--database-url", database)
    terminal.read_until(b"you>")
    terminal.type(b"/hel")
    terminal.read_until(f"Your run is at {run_at:%H:%M}".encode())
    terminal.type(b"p\r")
    assert b"/checkin: log a run" in terminal.read_until(b"/cancel: stop")  # "/hel" + "p" was read as /help
    terminal.read_until(b"you>")
    terminal.type(b"\x04")
    assert terminal.exit_code(within=10) == 0


async def test_a_planned_run_gets_its_warm_up_reminder_in_the_terminal(tmp_path: Path) -> None:
    store = SqlStore(open_database(f"sqlite:///{tmp_path / 'c.db'}"))
    clock = Clock(datetime(2026, 12, 7, 7, 0, tzinfo=timezone.utc))  # a Monday, 07:00 in London
    engine = Engine(store, clock=clock)
    read_end, write_end = os.pipe()
    stdin, feed = os.fdopen(read_end, "r"), os.fdopen(write_end, "w")
    out = io.StringIO()

    def reminders(sender):  # type: ignore[no-untyped-def]
        return Dispatcher(store.engine, {sender.platform: sender}, clock, store=store, interval=0.05)

    session = asyncio.create_task(chat(engine, "ann", stdin, out, tmp_path, reminders=reminders))

    async def say(*lines: str, expect: str) -> None:
        for line in lines:
            feed.write(line + "\n")
        feed.flush()
        for _ in range(200):
            if expect in out.getvalue():
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"{expect!r} not shown:\n{out.getvalue()[-1500:]}")

    await say(*ONBOARD, expect="All set, Ann")
    await say("/plan Mon 09:00", expect="Warm-up reminder: 30 min")
    assert "Your run is at" not in out.getvalue()
    clock.now = datetime(2026, 12, 7, 8, 31, tzinfo=timezone.utc)  # the warm-up fell due at 08:30
    await say(expect="Your run is at 09:00")
    shown = out.getvalue().rsplit("Your run is at 09:00", 1)[1]
    assert "1) Check in after the run" in shown and "Snooze" in shown
    await say("2", expect="you> 2")  # the reminder's buttons answer by number too
    feed.close()
    await asyncio.wait_for(session, 10)
    assert "Traceback" not in out.getvalue()
    store.engine.dispose()


def test_edit_and_undo_by_numbered_options_in_the_terminal(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'c.db'}"
    lines = ["/start", "Ann", "Europe/London", "Kilometres", "2", "1", "2", "5", "5",
             "ran 5 km yesterday in 30 min on grass, easy, no pain",
             "/edit", "1", "4 km",  # one run: straight to its fields; 1) Distance
             "/history", "/undo", "1", "/history"]
    result = run_chat(db, "ann", lines, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "filed under" in result.stdout and "Changed." in result.stdout and "4.0 km" in result.stdout
    assert "Removed:" in result.stdout and "No runs logged yet" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
