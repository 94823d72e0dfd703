"""An edit racing an editor's save of the same file: refused, or applied on top; never lost.

An "editor" process saves the note the way editors do (a temp file renamed over it) at a
moment drawn across the edit's measured duration, while this process completes a task with
`iiv.edit`. After every race the file must hold the editor's version, or the edit applied on
top of it: never the edit applied to the old version, which would drop the editor's change.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from iiv.edit import complete_task, content_hash, read, set_property
from iiv.errors import EditConflict
from iiv.note import parse_note
from iiv.patch import with_property, with_task_completed
from tests.helpers import make_vault
from tests.reliability.harness import count, environment, figures, measure, rng, served

pytestmark = pytest.mark.timeout(3600)
TODAY = date(2026, 12, 1)
REL = "interviews/race.md"
TASKS = 60  # a small note: a short edit, so that more saves land in its last step

# The editor: told a moment (on the shared monotonic clock) and a text, it waits for that
# moment and saves atomically, then says when its rename happened.
EDITOR = textwrap.dedent("""
    import os, sys, time
    path = sys.argv[1]
    for line in sys.stdin:
        at, text = line.rstrip("\\n").split(" ", 1)
        data = text.encode().decode("unicode_escape").encode("utf-8")
        temp = os.path.join(os.path.dirname(path), ".race.md.swp")
        with open(temp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        while time.monotonic() < float(at):
            pass
        os.replace(temp, path)
        print(time.monotonic(), flush=True)
""")


def race_note() -> str:
    lines = ["---", "type: interview", "status: done", "---", "# Race", ""]
    lines += [f"- [ ] Task {n} 📅 2026-12-{1 + n % 28:02d}" for n in range(TASKS)]
    return "\n".join(lines) + "\n"


def open_tasks(data: bytes) -> list[int]:
    return [task.line for task in parse_note(REL, data).tasks if task.is_open]


def fresh_when_done(path: Path) -> bytes:
    """The note, started afresh once most of its tasks are done."""
    data = path.read_bytes()
    if len(open_tasks(data)) < 10:
        path.write_text(race_note(), encoding="utf-8")
        data = path.read_bytes()
    return data


@pytest.fixture
def editor(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", EDITOR, str(tmp_path / "vault" / REL)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.communicate(timeout=30)


def test_no_edit_silently_overwrites_an_editors_save(
    tmp_path: Path, editor: subprocess.Popen[str]
) -> None:
    root = make_vault(tmp_path, {REL: race_note()})
    path = root / REL
    random = rng("lost updates")
    tally = {"refused": 0, "applied on top": 0, "editor saved last": 0, "overlapping": 0}
    failures: list[str] = []

    def open_task(data: bytes) -> int:
        return random.choice(open_tasks(data))

    def timed_edit() -> float:
        data, digest = read(root, REL)
        started = time.monotonic()
        complete_task(root, REL, open_task(data), digest, TODAY)
        return time.monotonic() - started

    def one(number: int, window: float) -> None:
        old = fresh_when_done(path)
        theirs = old + f"Editor's line {number}\n".encode()
        line = open_task(old)
        property_edit = random.random() < 0.25
        fresh_read = random.random() < 0.5  # as `iiv done` does; else as the dashboard does
        digest = content_hash(old)
        start = time.monotonic() + 0.02
        # Half the saves anywhere in the edit, half in its second half, where it writes.
        at = start + window * (random.uniform(-0.1, 1.1) if number % 2 else random.uniform(0.5, 1))
        editor.stdin.write(f"{at} {theirs.decode().encode('unicode_escape').decode()}\n")
        editor.stdin.flush()
        while time.monotonic() < start:
            pass
        began = time.monotonic()
        try:
            if fresh_read:
                _, digest = read(root, REL)
            if property_edit:
                set_property(root, REL, "thanked", f"2026-12-{1 + number % 28:02d}", digest)
            else:
                complete_task(root, REL, line, digest, TODAY)
            refused = False
        except EditConflict:
            refused = True
        ended = time.monotonic()
        saved_at = float(editor.stdout.readline())
        final = path.read_bytes()
        if property_edit:
            on_top = with_property(theirs, "thanked", f"2026-12-{1 + number % 28:02d}")
        else:
            on_top = with_task_completed(theirs, line, TODAY)
        tally["overlapping"] += began <= saved_at <= ended
        if final == theirs:
            tally["refused" if refused else "editor saved last"] += 1
        elif final == on_top and not refused:
            tally["applied on top"] += 1
        else:
            failures.append(
                f"race {number}: the editor's line was lost (refused={refused}, "
                f"save {saved_at - began:+.6f} s after the edit began)"
            )
            path.write_bytes(theirs)

    runs = count(fast=60, long=1000)
    with figures("edit races an editor's save") as record:
        window = measure(timed_edit, times=5)
        for number in range(runs):
            one(number, window)
        record.runs, record.failures = runs, len(failures)
        record.extra.update(outcomes=tally, edit_s=round(window, 5))
        assert not failures, "\n".join(failures[:10])


def test_dashboard_edits_racing_an_editor_are_refused_with_409(
    tmp_path: Path, editor: subprocess.Popen[str]
) -> None:
    """The dashboard's Done and Snooze carry the hash the page was rendered from."""
    root = make_vault(tmp_path, {REL: race_note()})
    path = root / REL
    random = rng("dashboard races")
    tally: dict[str, int] = {"409": 0, "303, editor saved last": 0, "overlapping": 0}
    failures: list[str] = []
    with (
        figures("dashboard edit races an editor's save") as record,
        served(root, tmp_path / "index", environment(tmp_path), "--no-watch") as server,
    ):
        server.wait_ready()

        def page(number: int) -> tuple[str, dict[str, str]]:
            """The action and form of a Done or Snooze button, as a page rendered now has it."""
            data = fresh_when_done(path)
            form = {
                "path": REL,
                "line": str(random.choice(open_tasks(data))),
                "hash": content_hash(data),
                "next": "/",
            }
            if number % 2:
                return "complete", form
            return "snooze", {**form, "days": "2"}

        def timed_post() -> float:
            action, form = page(1)
            started = time.monotonic()
            server.request("POST", f"/do/{action}", form)
            return time.monotonic() - started

        window = measure(timed_post, times=3)
        runs = count(fast=20, long=200)
        for number in range(runs):
            action, form = page(number)
            theirs = path.read_bytes() + f"Editor's line {number}\n".encode()
            start = time.monotonic() + 0.02
            editor.stdin.write(
                f"{start + random.uniform(-0.1, 1.1) * window} "
                f"{theirs.decode().encode('unicode_escape').decode()}\n"
            )
            editor.stdin.flush()
            while time.monotonic() < start:
                pass
            began = time.monotonic()
            code, body = server.request("POST", f"/do/{action}", form)
            ended = time.monotonic()
            saved_at = float(editor.stdout.readline())
            tally["overlapping"] += began <= saved_at <= ended
            final = path.read_bytes()
            refused = code == 409 and "changed since this page was loaded" in body
            if final == theirs and (refused or code == 303):
                tally["409" if refused else "303, editor saved last"] += 1
            else:
                failures.append(
                    f"race {number}: answered {code}, the editor's line "
                    f"{'survived' if final == theirs else 'was lost'}"
                )
                path.write_bytes(theirs)
        record.runs, record.failures = runs, len(failures)
        record.extra.update(outcomes=tally, request_s=round(window, 4))
    assert not failures, "\n".join(failures[:10])
