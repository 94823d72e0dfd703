"""The measurements, for one vault size at a time, in the order a user meets them.

cold start → warm start → search and the due list on a settled server → saves → a git checkout.
Each phase returns plain numbers (seconds, milliseconds, MB) that `report` turns into a page.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks import generate
from benchmarks.generate import BURST_WORD, Manifest
from benchmarks.process import (
    BenchmarkError,
    Client,
    Server,
    cpu_seconds,
    peak_rss_mb,
    run_iiv,
    wait_for,
)

Progress = Callable[[str], None]
DUE_POLL = 0.02  # seconds between polls for the due list of a cold start (a figure of seconds)
# searched right after each save, in turn
AFTER_SAVE = ("most common words", "two common words", "phrase")
COMMON_FILE = "common.json"  # beside the manifest: the vault's most common words, counted once
INDEX_POLL = 0.05  # seconds between polls for a complete index (a figure of 10 s or more)


@dataclass(frozen=True)
class Options:
    workdir: Path
    repeat: int = 3  # cold and warm starts, checkouts
    edits: int = 50  # saves timed for freshness
    searches: int = 20  # repetitions of each query
    requests: int = 50  # /api/due and Today requests
    burst: int = 1000  # notes a checkout switches
    seed: int = 1
    engines: tuple[str, ...] = ("whoosh",)  # search engines measured, one after the other


@dataclass
class SizeResult:
    notes: int
    manifest: dict[str, Any]
    expected_due: int
    engine: str = "whoosh"  # the search engine measured
    burst: int = 0  # notes the git checkout switches
    cold_due_s: list[float] = field(default_factory=list)
    cold_index_s: list[float] = field(default_factory=list)
    cold_serve_peak_mb: list[float] = field(default_factory=list)
    cold_build_peak_mb: list[float] = field(default_factory=list)  # child build processes
    cold_cpu_s: list[float] = field(default_factory=list)  # serve and its build processes
    cold_cli_s: list[float] = field(default_factory=list)
    cold_cli_peak_mb: list[float] = field(default_factory=list)
    warm_index_s: list[float] = field(default_factory=list)
    warm_serve_s: list[float] = field(default_factory=list)
    warm_synced_s: list[float] = field(default_factory=list)
    fresh_ms: list[float] = field(default_factory=list)
    fresh_timeouts: int = 0
    search: dict[str, dict[str, Any]] = field(default_factory=dict)
    due_ms: list[float] = field(default_factory=list)
    today_ms: list[float] = field(default_factory=list)
    due_after_change_ms: list[float] = field(default_factory=list)
    search_after_change_ms: list[float] = field(default_factory=list)  # a common query
    search_stock: dict[str, dict[str, Any]] = field(default_factory=dict)  # Whoosh's own way
    burst_s: list[float] = field(default_factory=list)
    serve_peak_mb: float = 0.0
    serve_peak_before_today_mb: float = 0.0


def measure(notes: int, options: Options, progress: Progress, engine: str = "whoosh") -> SizeResult:
    """Every figure for one vault size, searched with `engine`."""
    say = _prefixed(progress, f"[{notes:,} notes, {engine}]")
    say("preparing the vault (generated once, then reused)")
    root, manifest = generate.cached(options.workdir, notes, options.seed)
    changes = _prepare_git(root, manifest, options.burst)
    expected_due = _expected_due(root, manifest)
    result = SizeResult(notes, dict(manifest.__dict__), expected_due, engine)
    result.burst = len(changes) or options.burst  # the checkout planned, when git is missing
    scratch = options.workdir / f"run-{notes}-{engine}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    index_dir = _cold_starts(root, manifest, result, scratch, options, say)
    _cold_cli(root, result, scratch, options, say)
    _warm_starts(root, manifest, result, index_dir, scratch, options, say)
    with Server(root, index_dir, scratch / "serve.log", engine) as server:
        server.wait_settled(manifest.notes, timeout=_budget(notes))
        _searches(root, manifest, server.client, result, options, say)
        result.due_ms = _timed_gets("/api/due", manifest, server.client, options.requests)
        say(f"/api/due median {_median(result.due_ms):.1f} ms")
        _freshness(root, manifest, server, result, options, say)
        if changes:
            _bursts(root, manifest, changes, server, index_dir, result, options, say)
        else:
            say("git is not installed: the git checkout is not measured")
        result.serve_peak_before_today_mb = server.peak_rss_mb()
        result.today_ms = _timed_gets("/", manifest, server.client, options.requests)
        say(f"Today page median {_median(result.today_ms):.1f} ms")
        result.serve_peak_mb = server.peak_rss_mb()
    if engine == "whoosh":  # the same index, read by Whoosh's own reader
        with Server(root, index_dir, scratch / "stock.log", engine="whoosh-stock") as stock:
            stock.wait_settled(manifest.notes, timeout=_budget(notes))
            _stock_searches(root, manifest, stock.client, result, options, say)
    say(
        f"iiv serve peak RSS {result.serve_peak_mb:.0f} MB "
        f"({result.serve_peak_before_today_mb:.0f} MB before the Today page)"
    )
    shutil.rmtree(scratch, ignore_errors=True)
    return result


def _prefixed(progress: Progress, prefix: str) -> Progress:
    return lambda message: progress(f"{prefix} {message}")


def _budget(notes: int) -> float:
    """A generous deadline for whole-vault work: it catches a hang, not a slow machine."""
    return 120.0 + notes / 50


def _expected_due(root: Path, manifest: Manifest) -> int:
    """The due list computed straight from the files, to check what the server serves."""
    from iiv.followups import due_within, followups
    from iiv.vault import load

    today = date.fromisoformat(manifest.today)
    return len(due_within(followups(load(root), today), today, 7))


# Cold and warm starts


def _cold_starts(
    root: Path,
    manifest: Manifest,
    result: SizeResult,
    scratch: Path,
    options: Options,
    say: Progress,
) -> Path:
    """`iiv serve` with no index: due list served, then full-text index complete."""
    index_dir = scratch / "index"
    for attempt in range(1, options.repeat + 1):
        shutil.rmtree(index_dir, ignore_errors=True)
        due_s, index_s, serve_mb, build_mb, cpu_s = _cold_start(
            root, manifest, index_dir, scratch, result
        )
        result.cold_cpu_s.append(cpu_s)
        result.cold_due_s.append(due_s)
        result.cold_index_s.append(index_s)
        result.cold_serve_peak_mb.append(serve_mb)
        result.cold_build_peak_mb.append(build_mb)
        say(
            f"cold start {attempt}/{options.repeat}: due list {due_s:.2f} s, index complete "
            f"{index_s:.2f} s ({manifest.notes / index_s:,.0f} notes/s, {cpu_s:.1f} CPU s), "
            f"serve {serve_mb:.0f} MB, build processes {build_mb:.0f} MB"
        )
    return index_dir


def _cold_start(
    root: Path, manifest: Manifest, index_dir: Path, scratch: Path, result: SizeResult
) -> tuple[float, float, float, float, float]:
    today, expected_due = manifest.today, result.expected_due
    log = scratch / "cold.log"
    log.unlink(missing_ok=True)
    with Server(root, index_dir, log, result.engine) as server:
        server.wait_status(
            lambda s: s["notes"] == manifest.notes,
            _budget(manifest.notes),
            "the catalog to hold every note",
            every=DUE_POLL,
        )
        items = server.client.get("/api/due", today=today, within=7).json()["items"]
        due_s = time.perf_counter() - server.started
        server.wait_status(  # a figure of seconds: polled less often, to disturb it less
            lambda s: s["indexed"] == manifest.notes and s["pending"] == 0,
            _budget(manifest.notes),
            "the full-text index to be complete",
            every=INDEX_POLL,
        )
        index_s = time.perf_counter() - server.started
        cpu_s = cpu_seconds(server.pid)
        serve_mb = server.peak_rss_mb()
        build_mb = max(server.child_peaks.values(), default=0.0)
    _check_log(log.read_text(errors="replace"))
    if len(items) != expected_due:
        raise BenchmarkError(f"the due list had {len(items)} items, not {expected_due}")
    return due_s, index_s, serve_mb, build_mb, cpu_s


def _check_log(text: str) -> None:
    """A figure measured on a fallback path (a failed parallel build) would mislead."""
    if "indexing in one process instead" in text or "Traceback" in text:
        raise BenchmarkError(f"iiv reported a problem while measured:\n{text[-3000:]}")


def _cold_cli(
    root: Path, result: SizeResult, scratch: Path, options: Options, say: Progress
) -> None:
    """`iiv index` into an empty folder: time and peak memory of a cold index."""
    for attempt in range(1, options.repeat + 1):
        folder = scratch / "cli-index"
        shutil.rmtree(folder, ignore_errors=True)
        run = run_iiv(
            ["index", "--vault", str(root), "--index-dir", str(folder)],
            scratch / "cli.log",
            timeout=_budget(result.notes),
            engine=result.engine,
        )
        _check_log(run.output)
        result.cold_cli_s.append(run.seconds)
        result.cold_cli_peak_mb.append(run.peak_rss_mb)
        say(
            f"cold iiv index {attempt}/{options.repeat}: {run.seconds:.2f} s, "
            f"peak {run.peak_rss_mb:.0f} MB"
        )
    shutil.rmtree(scratch / "cli-index", ignore_errors=True)


def _warm_starts(
    root: Path,
    manifest: Manifest,
    result: SizeResult,
    index_dir: Path,
    scratch: Path,
    options: Options,
    say: Progress,
) -> None:
    """Nothing changed: `iiv index`, then `iiv serve` until /api/status answers."""
    args = ["index", "--vault", str(root), "--index-dir", str(index_dir)]
    for attempt in range(1, options.repeat + 1):
        run = run_iiv(args, scratch / "warm.log", _budget(result.notes), result.engine)
        if ": 0 added, 0 modified, 0 removed" not in run.output:
            raise BenchmarkError(f"a warm iiv index changed something: {run.output}")
        result.warm_index_s.append(run.seconds)
        with Server(root, index_dir, scratch / "warm-serve.log", result.engine) as server:
            server.wait_status(lambda s: s["notes"] == manifest.notes, 60, "/api/status")
            result.warm_serve_s.append(time.perf_counter() - server.started)
            server.wait_settled(manifest.notes, timeout=_budget(manifest.notes))
            result.warm_synced_s.append(time.perf_counter() - server.started)
        say(
            f"warm start {attempt}/{options.repeat}: iiv index {run.seconds:.2f} s, "
            f"iiv serve answers in {result.warm_serve_s[-1]:.2f} s, "
            f"reconciled in {result.warm_synced_s[-1]:.2f} s"
        )


# A settled server


def _searches(
    root: Path,
    manifest: Manifest,
    client: Client,
    result: SizeResult,
    options: Options,
    say: Progress,
) -> None:
    """Each query of the mix through /api/search, then the same words with rg; then each
    query again, right after rg (all it settled is kept: what is left is what any request
    costs on the caches rg has just emptied, beside which a first search is timed)."""
    words = most_common(root)
    patterns = {**manifest.rg_patterns(), "most common words": (["--fixed-strings"], words)}
    for label, query in _queries(root, manifest).items():
        first, _ = _timed_search(client, query)  # a query's first: nothing of it is kept yet
        timed = [_timed_search(client, query) for _ in range(options.searches)]
        times, total = [ms for ms, _ in timed], timed[-1][1]
        rg_times, rg_files = _rg(root, *patterns[label], max(3, options.searches // 4))
        result.search[label] = {
            "query": query,
            "total": total,
            "ms": times,
            "first_ms": first,
            "rg_ms": rg_times,
            "rg_files": rg_files,
        }
        say(
            f"search {label!r} ({query}): {total} notes, median {_median(times):.1f} ms; "
            f"rg {rg_files} files, median {_median(rg_times):.1f} ms"
        )
    for label, entry in result.search.items():  # after every first search: it is untouched
        _rg(root, *patterns[label], 1)
        entry["after_rg_ms"] = [_timed_search(client, entry["query"])[0]]
        say(f"search {label!r} already made, right after rg: {entry['after_rg_ms'][0]:.1f} ms")


def _stock_searches(
    root: Path,
    manifest: Manifest,
    client: Client,
    result: SizeResult,
    options: Options,
    say: Progress,
) -> None:
    """The same queries on the same index, through Whoosh's own writer and reader only
    (`IIV_ENGINE=whoosh-stock`): what iiv's fast paths are measured against."""
    for label, query in _queries(root, manifest).items():
        client.get("/api/search", q=query)
        timed = [_timed_search(client, query) for _ in range(options.searches)]
        times, total = [ms for ms, _ in timed], timed[-1][1]
        result.search_stock[label] = {"query": query, "total": total, "ms": times}
        say(f"stock Whoosh: search {label!r}: median {_median(times):.1f} ms")


def _timed_search(client: Client, query: str) -> tuple[float, int]:
    """One /api/search for 20 results with snippets: its milliseconds, and the notes found."""
    started = time.perf_counter()
    reply = client.get("/api/search", q=query, limit=20)
    return (time.perf_counter() - started) * 1000, int(reply.json()["total"])


def _queries(root: Path, manifest: Manifest) -> dict[str, str]:
    """The manifest's mix, and the vault's two most common words (issue #13's targets)."""
    return {**manifest.queries(), "most common words": " ".join(most_common(root))}


def most_common(root: Path) -> list[str]:
    """The two words most notes hold, as iiv indexes them (its body's analysis; "was" is no
    stop word for Whoosh), each as its shortest spelling; counted once, kept beside the vault."""
    kept = root.parent / COMMON_FILE
    if kept.exists():
        return list(json.loads(kept.read_text(encoding="utf-8")))
    from iiv.note import parse_note
    from iiv.search.analysis import BODY, word_re

    notes: Counter[str] = Counter()
    spellings: dict[str, str] = {}
    for path in sorted(root.rglob("*.md")):
        if ".git" in path.parts:
            continue
        note = parse_note(str(path.relative_to(root)), path.read_bytes())
        text = f"{note.title} {note.body}"
        notes.update(BODY.positions(text).keys())
        for word in set(word_re().findall(text.lower())):
            term = BODY.term(word)
            best = spellings.get(term or "")
            if term is not None and (best is None or (len(word), word) < (len(best), best)):
                spellings[term] = word
    words = [spellings.get(term, term) for term, _ in notes.most_common(2)]
    kept.write_text(json.dumps(words), encoding="utf-8")
    return words


def _rg(root: Path, options: list[str], patterns: list[str], times: int) -> tuple[list[float], int]:
    """Wall times of `rg` listing the files that match (none when rg is not installed)."""
    if shutil.which("rg") is None:
        return [], 0
    command = ["rg", "--files-with-matches", "--ignore-case", *options]
    for pattern in patterns:
        command += ["-e", pattern]
    command.append(str(root))
    found, elapsed = 0, []
    for _ in range(times):
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, check=False)
        elapsed.append((time.perf_counter() - started) * 1000)
        found = len(done.stdout.splitlines())
    return elapsed, found


def _timed_gets(path: str, manifest: Manifest, client: Client, times: int) -> list[float]:
    """Milliseconds for each of `times` requests of `path` (after one untimed)."""
    client.get(path, today=manifest.today)
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        reply = client.get(path, today=manifest.today)
        samples.append((time.perf_counter() - started) * 1000)
        if reply.status != 200:
            raise BenchmarkError(f"{path} answered {reply.status}")
    return samples


def _freshness(
    root: Path,
    manifest: Manifest,
    server: Server,
    result: SizeResult,
    options: Options,
    say: Progress,
) -> None:
    """Save a note by atomic rename with a new word; time until /api/search finds it."""
    paths = sorted(str(p.relative_to(root)) for p in root.rglob("*.md") if ".git" not in p.parts)
    chosen = random.Random(options.seed).sample(paths, options.edits)
    for number, rel in enumerate(chosen):
        word = f"fresh{number:03d}{random.Random(number).randrange(10**6):06d}x"
        original = (root / rel).read_bytes()
        latency = _save_and_find(root / rel, original + f"\nNew: {word}\n".encode(), word, server)
        if latency is None:
            result.fresh_timeouts += 1
        else:
            result.fresh_ms.append(latency * 1000)
            started = time.perf_counter()
            server.client.get("/api/due", today=manifest.today)
            result.due_after_change_ms.append((time.perf_counter() - started) * 1000)
            common = AFTER_SAVE[number % len(AFTER_SAVE)]
            started = time.perf_counter()
            server.client.get("/api/search", q=_queries(root, manifest)[common], limit=20)
            result.search_after_change_ms.append((time.perf_counter() - started) * 1000)
        _save_and_find(root / rel, original, word, server, present=False)
    say(
        f"save → searchable: median {_median(result.fresh_ms):.0f} ms over "
        f"{len(result.fresh_ms)} saves ({result.fresh_timeouts} timed out)"
    )


def _save_and_find(
    path: Path, data: bytes, word: str, server: Server, present: bool = True
) -> float | None:
    """Atomically replace the file; seconds until searching `word` agrees (None: 10 s passed)."""
    temp = path.with_name(f".{path.name}.bench")
    temp.write_bytes(data)
    started = time.perf_counter()
    os.replace(temp, path)

    def found() -> bool:
        total = int(server.client.get("/api/search", q=word, limit=1).json()["total"])
        return (total > 0) == present

    try:
        wait_for(found, 10.0, f"{word!r} in search")
    except BenchmarkError:
        return None
    return time.perf_counter() - started


def _bursts(
    root: Path,
    manifest: Manifest,
    changes: dict[str, str],
    server: Server,
    index_dir: Path,
    result: SizeResult,
    options: Options,
    say: Progress,
) -> None:
    """`git checkout` of a branch that differs in `burst` notes, and back: time to consistent."""
    added = sum(1 for status in changes.values() if status == "A")
    removed = sum(1 for status in changes.values() if status == "D")
    states = {
        "burst": (manifest.notes + added - removed, len(changes) - removed),
        "main": (manifest.notes, 0),
    }
    for attempt in range(1, options.repeat + 1):
        for branch in ("burst", "main"):
            seconds = _checkout(root, branch, *states[branch], server)
            _verify(root, index_dir, result.engine)
            result.burst_s.append(seconds)
            say(
                f"git checkout {branch} ({attempt}/{options.repeat}): consistent in {seconds:.2f} s"
            )


def _checkout(root: Path, branch: str, notes: int, with_word: int, server: Server) -> float:
    started = time.perf_counter()
    _git(root, "checkout", "-q", branch)

    def consistent() -> bool:
        status = server.status()
        if status is None or status["pending"] or status["notes"] != notes:
            return False
        return bool(server.client.get("/api/search", q=BURST_WORD).json()["total"] == with_word)

    wait_for(consistent, 120.0, f"the index to follow the checkout of {branch}", every=0.02)
    return time.perf_counter() - started


def _verify(root: Path, index_dir: Path, engine: str) -> None:
    """The index holds exactly the vault's notes, at their current size and mtime."""
    from iiv.search import open_engine
    from iiv.vault import load_config, scan

    config, _ = load_config(root)
    files, _ = scan(root, config)
    index = open_engine(index_dir, engine)
    try:
        indexed = index.indexed()
    finally:
        index.close()
    expected = {p: (s.size, s.mtime_ns) for p, s in files.items()}
    if indexed != expected:
        wrong = {p for p in set(indexed) | set(expected) if indexed.get(p) != expected.get(p)}
        raise BenchmarkError(
            f"after the checkout the index differs from the vault: {sorted(wrong)[:5]}"
        )


# Git


def _prepare_git(root: Path, manifest: Manifest, count: int) -> dict[str, str]:
    """A repository with `main` (the vault) and `burst` (`count` notes changed), on main.

    Returns what `burst` changes: path → "A" (added), "M" (modified) or "D" (deleted);
    nothing without git.
    """
    if shutil.which("git") is None:
        return {}
    if not (root / ".git").exists():
        changes = generate.burst(root, manifest, count)
        _git(root, "init", "-q", "-b", "main")
        _commit(root, "the generated vault")
        _git(root, "checkout", "-q", "-b", "burst")
        generate.apply(root, changes)
        _commit(root, f"{count} notes changed")
    _git(root, "checkout", "-q", "-f", "main")  # also undoes an interrupted run's edits
    _git(root, "clean", "-q", "-f", "-d")
    out = _git(root, "diff", "--name-status", "-z", "--no-renames", "main", "burst")
    fields = out.split("\0")
    return dict(zip(fields[1::2], fields[0::2], strict=False))


def _commit(root: Path, message: str) -> None:
    _git(root, "add", "-A")
    _git(
        root,
        "-c",
        "user.name=iiv benchmark",
        "-c",
        "user.email=bench@example.org",
        "commit",
        "-q",
        "--no-gpg-sign",
        "-m",
        message,
    )


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=False)
    if done.returncode != 0:
        raise BenchmarkError(f"git {' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout.decode("utf-8", errors="replace")


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2] if values else float("nan")


__all__ = ["Options", "SizeResult", "measure", "peak_rss_mb"]
