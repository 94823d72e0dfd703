"""`iiv serve`, `iiv index`, `iiv search`, `iiv due` and `iiv done` at once on one vault.

No lock error or traceback may reach a user: every command succeeds, or waits and says so
clearly. Afterwards the index equals a fresh rebuild.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from iiv.library import WriterLock
from iiv.note import parse_note
from tests.reliability.harness import (
    count,
    differences,
    environment,
    figures,
    iiv,
    poll,
    rng,
    run,
    served,
    write_generated,
)

pytestmark = pytest.mark.timeout(3600)
CLEAR_WAITS = (  # what a command may say while it waits for another, or leaves it the work
    "waiting for another iiv writing this index...",
    "is keeping this vault's index up to date: nothing to do",
    "waiting for another iiv to build the search index...",
)
BAD = ("Traceback", "LockError", "Error:")


@dataclass
class Commands:
    """Commands run from several threads, and what each returned."""

    root: Path
    index_dir: Path
    env: dict[str, str]
    until: float
    runs: dict[str, int] = field(default_factory=dict)
    waits: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def loop(self, name: str, make_args: Callable[[], list[str] | None]) -> None:
        while time.monotonic() < self.until:
            args = make_args()
            if args is None:
                return
            started = time.monotonic()
            result = run(iiv(*args, "--vault", str(self.root)), self.env, timeout=300)
            took = time.monotonic() - started
            output = result.stdout + result.stderr
            with self.lock:
                self.runs[name] = self.runs.get(name, 0) + 1
                self.seconds.append(took)
                if any(text in output for text in CLEAR_WAITS):
                    self.waits[name] = self.waits.get(name, 0) + 1
                if result.returncode != 0 or any(bad in output for bad in BAD):
                    self.failures.append(
                        f"iiv {' '.join(args)} exited {result.returncode}: {output.strip()[-2000:]}"
                    )

    def run_all(self, loops: dict[str, Callable[[], list[str] | None]]) -> None:
        threads = [threading.Thread(target=self.loop, args=item) for item in loops.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=self.until - time.monotonic() + 600)
        assert not any(thread.is_alive() for thread in threads), "a command hung"


def busy_vault(tmp_path: Path) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    write_generated(root, rng("busy vault"), range(count(fast=300, long=2000)))
    return root


def loops(commands: Commands, index_args: list[str]) -> dict[str, Callable[[], list[str] | None]]:
    """One thread per command; `iiv done` works through the interviews' tasks in turn."""
    random = rng("concurrent commands")
    interviews = sorted((commands.root / "interviews").glob("*.md"))
    index_dir = ["--index-dir", str(commands.index_dir)]

    def done() -> list[str] | None:
        while interviews:
            path = interviews.pop()
            tasks = [t.line for t in parse_note(path.name, path.read_bytes()).tasks if t.is_open]
            if tasks:
                return ["done", f"{path.relative_to(commands.root).as_posix()}:{tasks[0]}"]
        return None

    return {
        "index": lambda: ["index", *index_args, *index_dir],
        "search": lambda: [
            "search",
            random.choice(["chisel", "kiln OR mentor", "tag:x"]),
            "--json",
            *index_dir,
        ],
        "due": lambda: ["due", "--json", "--today", "2026-12-01"],
        "done": done,
    }


def editor(root: Path, until: float) -> None:
    """Saves notes all along, so that the server keeps indexing and committing."""
    random = rng("concurrent editor")
    notes = sorted((root / "notes").rglob("*.md"))
    while time.monotonic() < until:
        path = random.choice(notes)
        temp = path.with_name(f".{path.name}.swp")
        temp.write_text(path.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
        os.replace(temp, path)
        threading.Event().wait(0.05)  # an editor's pace, not a synchronisation


def report(record: object, commands: Commands) -> None:
    from tests.reliability.harness import Figures

    assert isinstance(record, Figures)
    record.runs, record.failures = sum(commands.runs.values()), len(commands.failures)
    record.seconds = commands.seconds
    record.extra.update(commands=commands.runs, clear_waits=commands.waits)
    if commands.failures:
        record.extra.update(first_failure=commands.failures[0][:2000])


def test_commands_beside_iiv_serve_never_show_a_lock_error(tmp_path: Path) -> None:
    root = busy_vault(tmp_path)
    index_dir = tmp_path / "index"
    env = environment(tmp_path)
    seconds = count(fast=6, long=180)
    with (
        figures("serve + index/search/due/done at once") as record,
        served(root, index_dir, env) as server,
    ):
        server.wait_ready()
        commands = Commands(root, index_dir, env, time.monotonic() + seconds)
        writer = threading.Thread(target=editor, args=(root, commands.until))
        writer.start()
        commands.run_all(loops(commands, []))
        writer.join(timeout=60)
        report(record, commands)
        poll(
            lambda: server.status().get("pending") == 0 and not differences(root, index_dir),
            60,
            "the index to settle",
        )
        _, log = server.stop()
        assert "Traceback" not in log, log
    assert not commands.failures, "\n".join(commands.failures[:10])
    assert not differences(root, index_dir, tmp_path / "fresh")


def test_commands_without_a_server_never_show_a_lock_error(tmp_path: Path) -> None:
    """No index yet; `iiv index --rebuild`, `iiv search`, `iiv due`, `iiv done` all at once."""
    root = busy_vault(tmp_path)
    index_dir = tmp_path / "index"
    env = environment(tmp_path)
    seconds = count(fast=6, long=120)
    with figures("index --rebuild/search/due/done at once, no server") as record:
        commands = Commands(root, index_dir, env, time.monotonic() + seconds)
        commands.run_all(loops(commands, ["--rebuild"]))
        report(record, commands)
    assert not commands.failures, "\n".join(commands.failures[:10])
    result = run(iiv("index", "--vault", str(root), "--index-dir", str(index_dir)), env)
    assert result.returncode == 0, result.stderr
    assert not differences(root, index_dir, tmp_path / "fresh")


def test_iiv_serve_started_while_another_iiv_writes_the_index_waits_for_it(
    tmp_path: Path,
) -> None:
    """As when an `iiv index`, or the quick sync of an `iiv search`, holds the writer lock."""
    root = busy_vault(tmp_path)
    index_dir = tmp_path / "index"
    other = WriterLock(index_dir)  # the lock the other iiv would hold, held here
    index_dir.mkdir()
    assert other.acquire()
    try:
        with served(root, index_dir, environment(tmp_path)) as server:
            message = "iiv: waiting for another iiv writing this vault's index..."
            poll(
                lambda: message in server.stderr() or server.proc.poll() is not None,
                60,
                "iiv serve to say it waits",
            )
            assert server.proc.poll() is None, server.stderr()
            other.release()
            server.wait_ready()
            code, log = server.stop()
    finally:
        other.release()
    assert code == 0 and "Traceback" not in log, log
    assert not differences(root, index_dir)


# Each process waits for the same moment, then opens the library as `iiv index` and
# `iiv search` do: the one that gets the writer lock syncs, the others search.
FIRST_OPEN = """
import sys, time
from iiv.library import Library, WriterLock, index_folder
from iiv.vault import vault_root
root, index_dir, moment = sys.argv[1], sys.argv[2], float(sys.argv[3])
lock = WriterLock(index_folder(vault_root(root), index_dir))
while time.time() < moment:
    pass
writer = lock.acquire(timeout=0)
library = Library.open(root, index_dir)
try:
    library.sync() if writer else library.catalog.load()
finally:
    library.close()
    lock.release()
"""


def test_several_iiv_opening_a_new_index_at_once_all_succeed(tmp_path: Path) -> None:
    root = tmp_path / "vault"
    root.mkdir()
    write_generated(root, rng("first open"), range(50))
    env = environment(tmp_path)
    failures: list[str] = []
    rounds = count(fast=4, long=60)
    with figures("several iiv opening a new index at once") as record:
        for number in range(rounds):
            index_dir = tmp_path / f"index-{number}"
            moment = f"{time.time() + 1.5}"
            args = [sys.executable, "-c", FIRST_OPEN, str(root), str(index_dir), moment]
            procs = [
                subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for _ in range(4)
            ]
            for proc in procs:
                _, err = proc.communicate(timeout=120)
                if proc.returncode != 0:
                    failures.append(f"round {number}: {err.decode()[-500:]}")
        record.runs, record.failures = rounds * 4, len(failures)
    assert not failures, "\n".join(failures[:5])
