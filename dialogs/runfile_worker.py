"""Reads run files in a separate, limited process, so a hostile file costs the bot nothing.

Every file gets its own short-lived child: `python -m dialogs.runfile_worker`
reading the file on stdin and answering one JSON line on stdout. The child
caps its own address space and CPU time with `resource.setrlimit` before it
reads a byte; the parent waits at most `Limits.wall_s` and kills it after
that. A fresh interpreter shares none of the bot's threads, sockets or memory
(multiprocessing's forkserver would re-import the bot's main module in every
child). Only `Limits.parallel` files are read at once; a file that finds every
slot taken for `Limits.queue_s` is refused as busy rather than tying up a thread.

`read(...)` blocks its caller (call it from a worker thread, as the engine's
turns run today); `read_async(...)` is the same awaited on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import resource
import subprocess
import sys
import threading
from dataclasses import asdict, dataclass
from datetime import datetime

from dialogs.runfile_parse import ParsedRun, RunFileError

logger = logging.getLogger(__name__)

CHILD_ENV = ("PATH", "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "HOME", "LANG", "LC_ALL", "TMPDIR")
TEXTS = {
    "limit": "That file is too big or damaged for me to read (it took more time or memory than any run needs). "
    "Try exporting just this run again.",
    "busy": "I'm reading a lot of files right now. Please send yours again in a minute.",
    "crashed": "I couldn't read that file; it looks damaged. Try exporting the run again.",
}


@dataclass(frozen=True)
class Limits:
    """How much one file may cost; the defaults leave a 5 MB file of valid points room to finish."""

    wall_s: float = 8.0  # includes the child's start (~0.1 s); the 100,000-message FIT cap takes ~3-4 s on a busy core
    memory_bytes: int = 256 * 1024 * 1024  # the child's address space, interpreter and readers included
    cpu_s: int = 10  # a backstop under the wall-time kill
    parallel: int = 2
    queue_s: float = 2.0


DEFAULT = Limits()
_slots: dict[int, threading.BoundedSemaphore] = {}
_slots_lock = threading.Lock()


class LimitExceeded(RunFileError):
    """The file hit the worker's time or memory limit; the message is the answer to show."""


def _slot(parallel: int) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(parallel, threading.BoundedSemaphore(parallel))


def read(filename: str, content: bytes, limits: Limits = DEFAULT) -> ParsedRun:
    """Reads a run file in a limited child process; raises RunFileError (LimitExceeded at a limit)."""
    slot = _slot(limits.parallel)
    if not slot.acquire(timeout=limits.queue_s):
        raise RunFileError(TEXTS["busy"])
    try:
        return _read(filename, content, limits)
    finally:
        slot.release()


def _read(filename: str, content: bytes, limits: Limits) -> ParsedRun:
    suffix = re.sub(r"[^a-z0-9]", "", filename.rpartition(".")[2].lower())[:8] if "." in filename else ""
    command = [sys.executable, "-m", "dialogs.runfile_worker", str(limits.memory_bytes), str(limits.cpu_s), suffix]
    env = {name: value for name, value in os.environ.items() if name in CHILD_ENV}  # no tokens or database URLs
    child = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env
    )
    try:
        out, _ = child.communicate(content, timeout=limits.wall_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        logger.info("run file reader stopped at the %.1f s limit", limits.wall_s)
        raise LimitExceeded(TEXTS["limit"]) from None
    try:
        answer = json.loads(out.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):  # no answer: killed by the CPU or memory limit
        logger.info("run file reader died (exit code %s)", child.returncode)
        raise LimitExceeded(TEXTS["limit"]) from None
    if answer["status"] == "ok":
        run = answer["run"]
        return ParsedRun(**{**run, "started_at": datetime.fromisoformat(run["started_at"]),
                            "ended_at": datetime.fromisoformat(run["ended_at"])})  # fmt: skip
    if answer["status"] == "limit":
        raise LimitExceeded(answer["text"])
    raise RunFileError(answer["text"])


async def read_async(filename: str, content: bytes, limits: Limits = DEFAULT) -> ParsedRun:
    """The same as `read`, awaited on the event loop (the wait runs in a thread; the work in the child)."""
    return await asyncio.to_thread(read, filename, content, limits)


def _answer(status: str, **fields: object) -> None:
    sys.stdout.write(json.dumps({"status": status, **fields}, default=str) + "\n")


def main(argv: list[str]) -> None:
    """In the child: limits itself, reads the file from stdin, prints one JSON answer."""
    memory_bytes, cpu_s, suffix = int(argv[0]), int(argv[1]), argv[2] if len(argv) > 2 else ""
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s))
    try:
        from dialogs import runfile_parse

        content = sys.stdin.buffer.read()
        run = runfile_parse.parse(f"file.{suffix}" if suffix else "file", content)
        _answer("ok", run={**asdict(run), "started_at": run.started_at.isoformat(),
                           "ended_at": run.ended_at.isoformat()})  # fmt: skip
    except RunFileError as refused:
        _answer("refused", text=str(refused))
    except MemoryError:
        _answer("limit", text=TEXTS["limit"])
    except Exception as problem:  # a reader bug on a strange file: the file's problem, not the bot's
        _answer("refused", text=TEXTS["crashed"], error=type(problem).__name__)


if __name__ == "__main__":
    main(sys.argv[1:])
