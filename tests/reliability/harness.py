"""The reliability harness: real `iiv` processes, killed for real, and the checks run after.

Counts scale with `IIV_LONG=1` (the long runs behind docs/reliability.md); the kill delays
come from a seeded RNG (`IIV_SEED`, reported with the figures). With `IIV_FIGURES=file`, each
test appends its figures to that file as one JSON line.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import re
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iiv.vault import FileStat, scan

LONG = os.environ.get("IIV_LONG") == "1"
SEED = int(os.environ.get("IIV_SEED", "20261201"))
HANG = 120.0  # seconds after which a command that should finish counts as hung
# iiv's temp names (`.{name}.iiv-XXXXXX.tmp`), and the index's rebuild folders
TEMP_RE = re.compile(r"\..*\.iiv-[0-9a-f]{6}\.tmp")


def count(fast: int, long: int) -> int:
    """How many runs: `fast` in the normal suite, `long` with IIV_LONG=1."""
    return long if LONG else fast


def rng(name: str) -> random.Random:
    return random.Random(f"{SEED}/{name}")


def iiv(*args: str) -> list[str]:
    return [sys.executable, "-m", "iiv", *args]


def environment(tmp_path: Path) -> dict[str, str]:
    """The environment for iiv subprocesses: caches inside the test's folder, no colours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IIV_")}
    env.update(
        XDG_CACHE_HOME=str(tmp_path / "cache"),
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONWARNINGS="error",
        LC_ALL="C.UTF-8",
    )
    return env


@dataclass
class Killed:
    """One run: whether the kill landed before the process ended, and what it printed."""

    killed: bool
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run_until(args: list[str], delay: float | None, env: dict[str, str]) -> Killed:
    """Start `args`, SIGKILL it `delay` seconds later unless it has ended by then.

    With `delay` None the command runs to its end (at most `HANG` seconds, then it fails).
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        killed = not exits_within(proc, HANG if delay is None else delay)
        if killed:
            proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=60)
    if killed and delay is None:
        raise AssertionError(f"{args} did not finish within {HANG} s")
    return Killed(
        killed,
        proc.returncode,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        time.monotonic() - started,
    )


def exits_within(proc: subprocess.Popen[bytes], delay: float) -> bool:
    """Wait for the process to end, at most `delay` seconds, to the millisecond (a pidfd)."""
    pidfd = os.pidfd_open(proc.pid)
    try:
        ready, _, _ = select.select([pidfd], [], [], max(0.0, delay))
        return bool(ready)
    finally:
        os.close(pidfd)


def run(
    args: list[str], env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def measure(command: Callable[[], float], times: int = 3) -> float:
    """The median of a few timed runs of `command` (which returns its own duration)."""
    return statistics.median(command() for _ in range(times))


def temp_files(root: Path) -> list[str]:
    """Every file or folder in the vault named like an iiv temp file."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if TEMP_RE.fullmatch(p.name))


def all_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def note_stats(root: Path) -> dict[str, tuple[int, int]]:
    from iiv.vault import load_config

    files: dict[str, FileStat]
    files, _ = scan(root, load_config(root)[0])
    return {p: (s.size, s.mtime_ns) for p, s in files.items()}


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


@dataclass
class Figures:
    """What a test reports: runs, failures and timings, written where IIV_FIGURES says."""

    name: str
    runs: int = 0
    failures: int = 0
    seconds: list[float] = field(default_factory=list)
    extra: dict[str, object] = field(default_factory=dict)

    def write(self) -> None:
        line = {
            "test": self.name,
            "long": LONG,
            "seed": SEED,
            "runs": self.runs,
            "failures": self.failures,
            **self.extra,
        }
        if self.seconds:
            line.update(
                median_s=round(statistics.median(self.seconds), 3),
                p95_s=round(p95(self.seconds), 3),
                max_s=round(max(self.seconds), 3),
            )
        target = os.environ.get("IIV_FIGURES")
        if target:
            with open(target, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line) + "\n")
        print(json.dumps(line))


@contextmanager
def figures(name: str) -> Iterator[Figures]:
    record = Figures(name)
    started = time.monotonic()
    try:
        yield record
    finally:
        record.extra.setdefault("total_s", round(time.monotonic() - started, 1))
        record.write()


def poll(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


class Served:
    """`iiv serve` as a real subprocess on 127.0.0.1, on a port the system picked."""

    def __init__(self, root: Path, index_dir: Path, env: dict[str, str], *options: str) -> None:
        args = iiv(
            "serve", "--vault", str(root), "--index-dir", str(index_dir), "--port", "0", *options
        )
        self.index_dir = index_dir
        self.log = index_dir.parent / f"serve-{time.monotonic_ns()}.log"
        self.started = time.monotonic()
        with self.log.open("wb") as log:  # a file, not a pipe: a full pipe would block iiv
            self.proc = subprocess.Popen(
                args,
                env={**env, "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=log,
            )
        self.port = 0
        self._csrf = ""

    def wait_for_port(self, timeout: float = 60) -> int:
        line = _read_line(self.proc, timeout)
        match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        if not match:
            raise AssertionError(f"iiv serve did not start: {line!r} {self.stderr()}")
        self.port = int(match.group(1))
        return self.port

    def status(self) -> dict[str, object]:
        code, body = self.request("GET", "/api/status")
        return dict(json.loads(body)) if code == 200 else {}

    def wait_ready(self, timeout: float = 120) -> float:
        """Wait for the first full sync to finish; returns the seconds since the start."""
        if not self.port:
            self.wait_for_port(timeout)

        def synced() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"iiv serve exited: {self.stderr()}")
            status = self.status()
            return bool(status.get("last_sync")) and status.get("pending") == 0

        try:
            poll(synced, timeout, "iiv serve to finish its first sync")
        except AssertionError as error:
            raise AssertionError(f"{error}: {self.status()} {self.stderr()[-3000:]}") from None
        return time.monotonic() - self.started

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None, timeout: float = 60
    ) -> tuple[int, str]:
        from urllib.parse import urlencode

        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            headers = {}
            body = None
            if form is not None:
                body = urlencode({**form, "csrf_token": self.csrf_token()})
                headers = {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": f"http://127.0.0.1:{self.port}",
                }
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read().decode(errors="replace")
        finally:
            connection.close()

    def csrf_token(self) -> str:
        """This run's CSRF token (new with each start), as every page carries it."""
        if not self._csrf:
            code, page = self.request("GET", "/problems")
            match = re.search(r'<meta name="csrf-token" content="([0-9a-f]{64})">', page)
            if code != 200 or not match:
                raise AssertionError(f"no CSRF token on /problems ({code})")
            self._csrf = match.group(1)
        return self._csrf

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=30)

    def stop(self) -> tuple[int, str]:
        """SIGTERM, as Ctrl+C would; returns the exit status and what went to stderr."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate(timeout=30)
        return self.proc.returncode, self.stderr()

    def stderr(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def served(root: Path, index_dir: Path, env: dict[str, str], *options: str) -> Iterator[Served]:
    server = Served(root, index_dir, env, *options)
    try:
        yield server
    finally:
        server.kill()


def _read_line(proc: subprocess.Popen[bytes], timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    data = b""
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([proc.stdout], [], [], max(0.0, remaining))
        if not ready:
            raise AssertionError(f"no output from iiv serve within {timeout} s")
        chunk = os.read(proc.stdout.fileno(), 1)
        if not chunk:
            break
        data += chunk
    return data.decode(errors="replace")


# Generated vaults: people, interviews with tasks, and plain notes, from a seeded RNG.

WORDS = [
    *("woodworking", "chisel", "apprentice", "compiler", "pipeline", "hiring", "mentor"),
    *("quarterly", "roadmap", "design", "research", "kiln", "ceramics", "glaze", "nursing"),
    *("rota", "logistics", "warehouse", "startup", "funding", "python", "climate", "policy"),
    *("museum", "archive", "curator", "library", "grant", "teaching", "salary", "portfolio"),
]
COMPANIES = ["Northwind", "Contoso", "Initech", "Globex", "Umbrella", "Hooli", "Vandelay"]


def generated_note(random: random.Random, number: int) -> tuple[str, str]:
    """A vault-relative path and text: a person, an interview or a plain note."""
    words = " ".join(random.choice(WORDS) for _ in range(random.randint(20, 80)))
    kind = number % 3
    if kind == 0:
        name = f"Person {number:05d}"
        company = random.choice(COMPANIES)
        return (
            f"people/{name}.md",
            f"---\ntype: person\nname: {name}\ncompany: {company}\n"
            f"keep_in_touch: {random.randint(30, 120)}\nlast_contact: 2026-0{1 + number % 9}-15"
            f"\n---\n# {name}\n\n{words}\n",
        )
    if kind == 1:
        person = f"Person {number - 1:05d}"
        day = f"2026-{1 + number % 12:02d}-{1 + number % 28:02d}"
        return (
            f"interviews/{day} {person} {number}.md",
            f'---\ntype: interview\nperson: "[[{person}]]"\ndate: {day}\nstatus: done\n'
            f"medium: coffee\n---\n# Coffee with {person}\n\n{words}\n\n"
            f"- [ ] Send {person} the {random.choice(WORDS)} notes 📅 {day}\n",
        )
    folder = f"notes/{random.choice(WORDS)}"
    return f"{folder}/note {number:05d}.md", f"# Note {number}\n\n{words}\n"


def write_generated(root: Path, random: random.Random, numbers: range) -> list[str]:
    written = []
    for number in numbers:
        rel, text = generated_note(random, number)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(rel)
    return written


def mutate(root: Path, random: random.Random, share: float, next_number: int) -> int:
    """Change about `share` of the notes: rewrite most, delete some, add as many new ones.

    Returns the next unused note number.
    """
    notes = sorted(note_stats(root))
    chosen = random.sample(notes, max(1, int(len(notes) * share)))
    for rel in chosen[: len(chosen) // 5]:
        (root / rel).unlink()
    for rel in chosen[len(chosen) // 5 :]:
        with (root / rel).open("a", encoding="utf-8") as handle:
            handle.write(f"\nlater: {random.choice(WORDS)} {random.choice(WORDS)}\n")
    added = len(chosen) // 5
    write_generated(root, random, range(next_number, next_number + added))
    return next_number + added


# Comparing an index with a fresh rebuild from the files.

QUERIES = [
    "chisel",
    "compiler OR kiln",
    "company:northwind",
    "kind:interview",
    "status:done",
    "later",
    "person:person",
    "mentor*",
    '"hiring mentor"',
]


def differences(
    root: Path, index_dir: Path, scratch: Path | None = None, engine: str | None = None
) -> list[str]:
    """What the index in `index_dir` holds that a fresh read of the vault would not, and the
    reverse: missing, stale, duplicated or unknown notes, catalog entries, search results;
    and, for tantivy, files that no commit uses.

    With `scratch`, a fresh index is also built there and every query in QUERIES compared.
    """
    from iiv.library import Library

    library = Library.open(root, index_dir, engine=engine)
    try:
        if library.index.needs_rebuild:
            return [f"the index still needs rebuilding: {library.index.reason}"]
        found = _index_differences(library) + _catalog_differences(library)
        found += _unused_files(library.index.folder)
        if scratch is not None and not found:
            found += _search_differences(library, scratch, engine)
        return found
    finally:
        library.close()


def _index_differences(library: Any) -> list[str]:
    expected = note_stats(library.root)
    indexed = library.index.indexed()
    found = [f"missing from the index: {p}" for p in sorted(set(expected) - set(indexed))]
    found += [f"left in the index: {p}" for p in sorted(set(indexed) - set(expected))]
    found += [
        f"stale in the index: {p}"
        for p in sorted(expected)
        if p in indexed and indexed[p] != expected[p]
    ]
    if library.index.count() != len(indexed):
        found.append(f"duplicates: {library.index.count()} documents for {len(indexed)} paths")
    return found


def _catalog_differences(library: Any) -> list[str]:
    from dataclasses import replace

    from iiv.vault import load

    fresh = {p: replace(n, body="") for p, n in load(library.root).notes.items()}
    held = {p: replace(n, body="") for p, n in library.snapshot().notes.items()}
    found = [f"missing from the catalog: {p}" for p in sorted(set(fresh) - set(held))]
    found += [f"left in the catalog: {p}" for p in sorted(set(held) - set(fresh))]
    found += [
        f"stale in the catalog: {p}" for p in sorted(fresh) if p in held and held[p] != fresh[p]
    ]
    return found


def _unused_files(folder: Path) -> list[str]:
    """tantivy's segment files that its table of contents does not name (a writer killed
    midway leaves them; the next writer deletes them)."""
    meta = folder / "meta.json"
    if not meta.exists():
        return []
    used = {s["segment_id"].replace("-", "") for s in json.loads(meta.read_text())["segments"]}
    files = sorted(p.name for p in folder.iterdir() if len(p.name.split(".")[0]) == 32)
    return [f"a file no commit uses: {name}" for name in files if name.split(".")[0] not in used]


def _search_differences(library: Any, scratch: Path, engine: str | None) -> list[str]:
    from iiv.library import Library

    fresh = Library.open(library.root, scratch, engine=engine)
    try:
        fresh.rebuild()
        found = []
        for query in QUERIES:
            got, want = library.search(query, limit=10_000), fresh.search(query, limit=10_000)
            if {h.path for h in got.hits} != {h.path for h in want.hits}:
                found.append(
                    f"search {query!r}: {got.total} notes, a fresh index finds {want.total}"
                )
        return found
    finally:
        fresh.close()
