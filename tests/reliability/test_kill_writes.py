"""SIGKILL while iiv writes a note: every note is afterwards fully old or fully new.

Real `iiv done`, `iiv new` and dashboard Done/Snooze requests to a real `iiv serve`, killed at
a random moment drawn across the command's measured duration. After each kill every file in
the vault is checked byte for byte, and no temp file may be left in the vault.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest

from iiv.config import Config
from iiv.edit import content_hash
from iiv.note import parse_note
from iiv.patch import with_task_completed, with_task_snoozed
from iiv.template import new_person
from tests.helpers import make_vault
from tests.reliability.harness import (
    Figures,
    all_files,
    count,
    environment,
    figures,
    iiv,
    measure,
    rng,
    run_until,
    served,
    temp_files,
)

pytestmark = pytest.mark.timeout(3600)
FILLER = "Notes from the conversation, with enough words to make the file a realistic size. "


def task_note(kind: str, title: str, tasks: int, filler_bytes: int) -> str:
    lines = ["---", f"type: {kind}", f"name: {title}", "---", f"# {title}", ""]
    lines += [f"- [ ] Follow up {n} with {title} 📅 2026-12-{1 + n % 28:02d}" for n in range(tasks)]
    lines += [FILLER] * (filler_bytes // len(FILLER))
    return "\n".join(lines) + "\n"


def task_vault(tmp_path: Path, big: int = 2_000_000) -> Path:
    """Notes of three sizes (`big`, 100 kB, 5 kB), with hundreds of open tasks between them."""
    files = {"people/Big Note.md": task_note("person", "Big Note", 400, big)}
    for number in range(3):
        files[f"interviews/Medium {number}.md"] = task_note(
            "interview", f"Medium {number}", 150, 100_000
        )
    files["notes/Small.md"] = task_note("note", "Small", 100, 5_000)
    return make_vault(tmp_path, files)


@dataclass
class Tally:
    """How the runs ended, and the runs that went wrong (each with what was wrong)."""

    outcomes: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    leftovers: int = 0  # runs that left a temp file

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1

    def check(
        self, run: str, root: Path, before: dict[str, bytes], target: str, new: set[bytes]
    ) -> None:
        """Check the vault after a run; a temp file it left is counted, then removed, so
        that each run is judged on its own."""
        problems = check_vault(root, before, target, new)
        leftovers = temp_files(root)
        if problems:
            self.failures.append(f"{run}: " + "; ".join(problems))
        self.leftovers += bool(leftovers)
        for name in leftovers:
            (root / name).unlink()

    def report(self, record: Figures, runs: int) -> None:
        record.runs, record.failures = runs, len(self.failures)
        record.extra.update(outcomes=self.outcomes, runs_leaving_temp_files=self.leftovers)
        assert not self.failures, "\n".join(self.failures[:10])


def check_vault(root: Path, before: dict[str, bytes], target: str, new: set[bytes]) -> list[str]:
    """Every file is as before, except `target`, which may instead hold one of `new`."""
    problems = [f"temp file left: {name}" for name in temp_files(root)]
    files = all_files(root)
    problems += [f"unexpected file: {rel}" for rel in sorted(files - set(before) - {target})]
    for rel in sorted(set(before) | {target}):
        data = (root / rel).read_bytes() if rel in files else None
        if data == before.get(rel) or (rel == target and data in new):
            continue
        size = "missing" if data is None else f"{len(data)} bytes"
        problems.append(f"{rel}: neither the old nor the new content ({size})")
    for rel in files & ({target} | set(before)):
        parse_note(rel, (root / rel).read_bytes())  # raises if iiv could not read it back
    return problems


def outcome(killed: bool, data: bytes | None, before: bytes | None) -> str:
    if not killed:
        return "finished"
    return "killed, old content" if data == before else "killed, new content"


def open_task(random: random.Random, state: dict[str, bytes], big: float = 0.5) -> tuple[str, int]:
    """A random open task; with chance `big` in the big note, whose write takes longest."""
    rel = "people/Big Note.md" if random.random() < big else random.choice(sorted(state))
    tasks = [t.line for t in parse_note(rel, state[rel]).tasks if t.is_open]
    assert tasks, f"{rel} has no open task left: make the vault bigger"
    return rel, random.choice(tasks)


def days_around_today() -> list[date]:
    today = date.today()
    return [today, today + timedelta(days=1)]  # a run may cross midnight


def test_killing_iiv_done_leaves_every_note_old_or_new(tmp_path: Path) -> None:
    root = task_vault(tmp_path, big=count(500_000, 2_000_000))
    env = environment(tmp_path)
    random = rng("done")
    state = {rel: (root / rel).read_bytes() for rel in all_files(root)}
    tally = Tally()

    def one(delay: float | None) -> float:
        rel, line = open_task(random, state, 1.0 if delay is None else 0.5)
        new = {with_task_completed(state[rel], line, day) for day in days_around_today()}
        result = run_until(iiv("done", f"{rel}:{line}", "--vault", str(root)), delay, env)
        data = (root / rel).read_bytes()
        tally.check(f"done {rel}:{line} after {delay} s", root, state, rel, new)
        if not result.killed and (result.returncode, data in new) != (0, True):
            tally.failures.append(f"done {rel}:{line} failed: {result.stderr}")
        tally.add(outcome(result.killed, data, state[rel]))
        state[rel] = data
        return result.seconds

    runs = count(fast=14, long=300)
    with figures("kill iiv done") as record:
        duration = measure(lambda: one(None))  # in the big note, the longest
        record.extra.update(measured_s=round(duration, 3))
        tally.outcomes.clear()  # the calibration runs are not kill runs
        for _ in range(runs):
            one(random.uniform(0, duration * 1.1))
        tally.report(record, runs)


def test_killing_iiv_new_leaves_no_partial_note(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Existing.md": "---\ntype: person\nname: Existing\n---\n"})
    reference = tmp_path / "reference"
    env = environment(tmp_path)
    random = rng("new")
    state = {rel: (root / rel).read_bytes() for rel in all_files(root)}
    tally = Tally()

    def expected(name: str) -> set[bytes]:
        found = set()
        for day in days_around_today():
            folder = reference / day.isoformat()
            folder.mkdir(parents=True, exist_ok=True)
            rel = new_person(folder, Config(), name, "Northwind", day)
            found.add((folder / rel).read_bytes())
        return found

    def one(number: int, delay: float | None) -> float:
        name, rel = f"Person {number:04d}", f"people/Person {number:04d}.md"
        args = iiv("new", "person", name, "--company", "Northwind", "--vault", str(root))
        result = run_until(args, delay, env)
        new = expected(name)
        tally.check(f"new {name} after {delay} s", root, state, rel, new)
        data = (root / rel).read_bytes() if (root / rel).exists() else None
        if not result.killed and (result.returncode, data in new) != (0, True):
            tally.failures.append(f"new {name} failed: {result.stderr}")
        tally.add(outcome(result.killed, data, None))
        if data is not None:
            state[rel] = data
        return result.seconds

    runs = count(fast=10, long=120)
    with figures("kill iiv new") as record:
        duration = measure(lambda: one(-len(state), None))
        record.extra.update(measured_s=round(duration, 3))
        tally.outcomes.clear()
        for number in range(runs):
            one(number, random.uniform(0, duration * 1.1))
        tally.report(record, runs)


def test_killing_iiv_serve_during_done_and_snooze_leaves_every_note_old_or_new(
    tmp_path: Path,
) -> None:
    root = task_vault(tmp_path, big=200_000)  # the request also re-indexes the note
    env = environment(tmp_path)
    index_dir = tmp_path / "index"
    random = rng("dashboard")
    state = {rel: (root / rel).read_bytes() for rel in all_files(root)}
    tally = Tally()

    def post(server: object, action: str, rel: str, line: int, answers: list[int]) -> None:
        form = {"path": rel, "line": str(line), "hash": content_hash(state[rel]), "next": "/"}
        if action == "snooze":
            form["days"] = "3"
        try:
            answers.append(server.request("POST", f"/do/{action}", form)[0])  # type: ignore[attr-defined]
        except (OSError, http.client.HTTPException):  # the server was killed mid-request
            answers.append(0)

    def one(delay: float | None) -> float:
        rel, line = open_task(random, state)
        action = random.choice(["complete", "snooze"])
        if action == "complete":
            new = {with_task_completed(state[rel], line, day) for day in days_around_today()}
        else:
            new = {with_task_snoozed(state[rel], line, 3, day) for day in days_around_today()}
        answers: list[int] = []
        with served(root, index_dir, env) as server:
            server.wait_ready()
            sender = threading.Thread(target=post, args=(server, action, rel, line, answers))
            started = time.monotonic()
            sender.start()
            if delay is not None:
                sender.join(timeout=delay)
                killed = sender.is_alive()
                server.kill()
            sender.join(timeout=60)
            took = time.monotonic() - started
            killed = delay is not None and killed
            if "Traceback" in server.stderr():  # this start followed a kill: it must recover
                tally.failures.append(f"iiv serve after a kill: {server.stderr()[-2000:]}")
        data = (root / rel).read_bytes()
        tally.check(f"{action} {rel}:{line} after {delay} s", root, state, rel, new)
        if not killed and (answers, data in new) != ([303], True):
            tally.failures.append(f"{action} {rel}:{line} answered {answers}")
        tally.add(outcome(killed, data, state[rel]))
        state[rel] = data
        return took

    runs = count(fast=3, long=100)
    with figures("kill iiv serve during Done/Snooze") as record:
        duration = measure(lambda: one(None))
        record.extra.update(measured_request_s=round(duration, 3))
        tally.outcomes.clear()
        for _ in range(runs):
            one(random.uniform(0, duration * 1.2))
        tally.report(record, runs)
