"""SIGKILL `iiv index` and `iiv serve` while they index and commit: the next start recovers.

Each run changes the vault (or deletes the index), starts the command, kills it at a random
moment across its measured duration, then runs `iiv index` once: it must exit 0 without a
traceback, after which the index and the catalog equal a fresh read of the vault.
"""

from __future__ import annotations

import importlib.util
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.harness import (
    LONG,
    Figures,
    count,
    differences,
    environment,
    exits_within,
    figures,
    iiv,
    mutate,
    p95,
    rng,
    run,
    run_until,
    served,
    write_generated,
)

pytestmark = pytest.mark.timeout(3600)
MODES = ("build", "sync", "rebuild")  # from no index, after changes, `iiv index --rebuild`
ENGINES = [
    "whoosh",
    pytest.param(
        "tantivy",
        marks=pytest.mark.skipif(
            importlib.util.find_spec("tantivy") is None, reason="tantivy is not installed"
        ),
    ),
]


def named(name: str, engine: str) -> str:
    """A run's name (which seeds its random choices): Whoosh's as before there were two."""
    return name if engine == "whoosh" else f"{name} ({engine})"


def bulk_vault(tmp_path: Path, notes: int) -> Path:
    root = tmp_path / "vault"
    root.mkdir()
    write_generated(root, rng("bulk vault"), range(notes))
    return root


class Runs:
    """The vault, its index, and how each run prepares, kills and checks."""

    def __init__(self, tmp_path: Path, name: str, engine: str) -> None:
        self.tmp_path = tmp_path
        self.root = bulk_vault(tmp_path, count(fast=400, long=3000))
        self.index_dir = tmp_path / "index"
        self.engine = engine
        self.env = {**environment(tmp_path), "IIV_ENGINE": engine}
        self.random = rng(name)
        self.next_number = 10**6
        self.failures: list[str] = []
        self.outcomes: dict[str, int] = {}
        self.recovery_seconds: list[float] = []
        self.leftovers = 0

    def prepare(self, mode: str) -> None:
        if mode == "build":
            shutil.rmtree(self.index_dir, ignore_errors=True)
        if mode in ("sync", "serve"):
            self.next_number = mutate(self.root, self.random, 0.2, self.next_number)

    def recover_and_check(self, what: str, full: bool, by_serve: bool = False) -> None:
        """The next start, `iiv index` (or `iiv serve`, stopped once synced), must recover."""
        started = time.monotonic()
        if by_serve:
            with served(self.root, self.index_dir, self.env) as server:
                server.wait_ready()
                self.recovery_seconds.append(time.monotonic() - started)
                code, stderr = server.stop()
        else:
            args = iiv("index", "--vault", str(self.root), "--index-dir", str(self.index_dir))
            result = run(args, self.env)
            self.recovery_seconds.append(time.monotonic() - started)
            code, stderr = result.returncode, result.stderr
        if code != 0 or "Traceback" in stderr:
            self.failures.append(f"{what}: the next start exited {code}: {stderr[-2000:]}")
        # A rebuild killed midway leaves its folder (`whoosh.new`, `tantivy.old`) beside the
        # index; the next start deletes it.
        left = sorted(
            p.name for p in self.index_dir.iterdir() if p.name.startswith(("whoosh.", "tantivy."))
        )
        if left:
            self.leftovers += 1
            self.failures.append(f"{what}: the next start left {', '.join(left)}")
        scratch = self.tmp_path / "fresh" if full else None
        found = differences(self.root, self.index_dir, scratch, self.engine)
        self.failures += [f"{what}: {d}" for d in found]

    def tally(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


def calibrate(
    runs: Runs, modes: tuple[str, ...], start: Callable[[str], float]
) -> dict[str, float]:
    """Each mode's duration when not killed (the first run of each also checks recovery)."""
    durations = {}
    for mode in modes:
        runs.prepare(mode)
        durations[mode] = start(mode)
        runs.recover_and_check(f"{mode} (not killed)", full=False)
    return durations


@pytest.mark.parametrize("engine", ENGINES)
def test_killing_iiv_index_mid_indexing_recovers_by_itself(tmp_path: Path, engine: str) -> None:
    runs = Runs(tmp_path, named("kill index", engine), engine)

    def start(mode: str, delay: float | None = None) -> float:
        args = iiv("index", "--vault", str(runs.root), "--index-dir", str(runs.index_dir))
        result = run_until(args + (["--rebuild"] if mode == "rebuild" else []), delay, runs.env)
        if not result.killed and result.returncode != 0:
            runs.failures.append(f"{mode}: iiv index exited {result.returncode}: {result.stderr}")
        runs.tally(f"{mode}, {'killed' if result.killed else 'finished'}")
        return result.seconds

    total = count(fast=4, long=70)
    with figures(named("kill iiv index", engine)) as record:
        durations = calibrate(runs, MODES, start)
        runs.outcomes.clear()
        for number in range(total):
            mode = runs.random.choice(MODES)
            runs.prepare(mode)
            delay = runs.random.uniform(0, durations[mode] * 1.1)
            start(mode, delay)
            last = number == total - 1
            runs.recover_and_check(
                f"run {number} ({mode}, {delay:.3f} s)", full=last or (LONG and number % 10 == 0)
            )
        report(record, runs, total, durations)


@pytest.mark.parametrize("engine", ENGINES)
def test_killing_iiv_serve_during_its_first_sync_recovers_by_itself(
    tmp_path: Path, engine: str
) -> None:
    runs = Runs(tmp_path, named("kill serve", engine), engine)

    def start(mode: str, delay: float | None = None) -> float:
        with served(runs.root, runs.index_dir, runs.env) as server:
            if delay is None:
                return server.wait_ready()
            finished = exits_within(server.proc, delay)
            runs.tally(f"{mode}, {'finished' if finished else 'killed'}")
            return delay

    total = count(fast=2, long=40)
    with figures(named("kill iiv serve during its first sync", engine)) as record:
        durations = calibrate(runs, ("build", "serve"), start)
        runs.outcomes.clear()
        for number in range(total):
            mode = runs.random.choice(("build", "serve"))  # from nothing, or after changes
            runs.prepare(mode)
            delay = runs.random.uniform(0, durations[mode] * 1.1)
            start(mode, delay)
            runs.recover_and_check(
                f"run {number} ({mode}, {delay:.3f} s)",
                full=number == total - 1,
                by_serve=number % 2 == 1,
            )
        report(record, runs, total, durations)


def report(record: Figures, runs: Runs, total: int, durations: dict[str, float]) -> None:
    record.runs, record.failures = total, len(runs.failures)
    record.extra.update(
        notes=count(fast=400, long=3000),
        measured_s={mode: round(seconds, 2) for mode, seconds in durations.items()},
        outcomes=runs.outcomes,
        recovery_p95_s=round(p95(runs.recovery_seconds), 2),
        recovery_max_s=round(max(runs.recovery_seconds, default=0.0), 2),
        runs_leaving_rebuild_folders=runs.leftovers,
    )
    assert not runs.failures, "\n".join(runs.failures[:10])
