"""SIGKILL during `iiv sync`: the next sync completes, and no word written on either device is lost.

Two clones of a vault and a bare remote, with real git. In each run both devices write new
words into notes (appending to the same note on both sides makes a conflict), delete a note,
add one; the phone syncs; the laptop's `iiv sync` is killed at a random moment drawn across
its measured duration: in half the runs only iiv is killed (its git carries on, orphaned), in
the other half iiv and every git it started. Then the laptop syncs again, to the end, and the
phone once more. After each run: both syncs succeeded, the repositories are clean and not
mid-merge, no lock file is left in `.git` and no temp file in the vault, every word of the run
is in the laptop's vault, and the laptop, the phone and the remote hold the same tree.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.devices import Device, git, git_env
from tests.helpers import requires_git
from tests.reliability.harness import count, environment, figures, iiv, rng, temp_files

pytestmark = [pytest.mark.timeout(3600), requires_git]
NOTES = 30
FILLER = "A line of notes from a conversation, long enough to look like one.\n"


def seeded(tmp_path: Path) -> tuple[Device, Device, Path]:
    """A remote, and a laptop and a phone with the same vault of NOTES notes."""
    env = git_env(tmp_path)
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(remote), env=env)
    laptop, phone = (
        Device(name, tmp_path / name, tmp_path / f"{name}-state", env)
        for name in ("laptop", "phone")
    )
    for device in (laptop, phone):
        git(tmp_path, "clone", "--quiet", str(remote), str(device.root), env=env)
    for number in range(NOTES):
        laptop.write(f"people/Person {number:02d}.md", f"# Person {number}\n\n" + FILLER * 20)
    laptop.sync()
    phone.sync()
    return laptop, phone, remote


def notes(device: Device) -> list[str]:
    return sorted(p for p in device.files() if p.endswith(".md") and "sync-conflict" not in p)


def edit(device: Device, random: random.Random, run: int, shared: list[str]) -> set[str]:
    """Write new words on one device: appended to `shared` notes (the other device appends
    to them too) and to others, in a new note; and delete a note. Returns the words."""
    words = set()
    mine = random.sample(notes(device), 2)
    for number, rel in enumerate([*shared, *mine]):
        word = f"w{run:03d}{device.name[0]}{number:02d}"
        with (device.root / rel).open("a", encoding="utf-8") as handle:
            handle.write(f"{device.name} adds {word}\n")
        words.add(word)
    untouched = [n for n in notes(device) if n not in shared and n not in mine]
    if untouched and random.random() < 0.5:
        (device.root / random.choice(untouched)).unlink()
    word = f"w{run:03d}{device.name[0]}new"
    device.write(f"notes/{device.name} {run:03d}.md", f"# New on the {device.name}\n\n{word}\n")
    words.add(word)
    return words


def kill_tree(pid: int) -> None:
    """SIGKILL a process and everything it started (git runs in sessions of its own), but for
    the remote's side of a fetch or push: on a real remote it runs on another machine, which a
    crash here does not kill (losing the connection, it stops cleanly)."""
    family = [pid]
    for parent in family:
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                family += [int(c) for c in children.read_text().split()]
            except OSError:
                continue
    for member in family:
        try:
            command = Path(f"/proc/{member}/cmdline").read_bytes()
            if b"receive-pack" in command or b"upload-pack" in command:
                continue
            os.kill(member, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            continue


def sync_command(device: Device, env: dict[str, str]) -> subprocess.Popen[bytes]:
    args = iiv("sync", "--vault", str(device.root), "--index-dir", str(device.state))
    return subprocess.Popen(
        args, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def journal(device: Device) -> dict[str, object]:
    try:
        record = json.loads((device.state / "sync.journal").read_text())
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def calls(device: Device) -> int:
    value = journal(device).get("calls", 0)
    return value if isinstance(value, int) else 0


def watched_sync(device: Device, env: dict[str, str]) -> tuple[float, int]:
    """`iiv sync` run to its end: how long it took, and how many git calls it made."""
    began = time.monotonic()
    proc = sync_command(device, env)
    seen = 0
    while proc.poll() is None:
        seen = max(seen, calls(device))
        time.sleep(0.001)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, f"iiv sync failed: {err.decode()}"
    return time.monotonic() - began, seen


def killed_sync(device: Device, env: dict[str, str], call: int, delay: float, tree: bool) -> str:
    """Run `iiv sync`; SIGKILL it `delay` seconds after its git call number `call` started
    (with every git it started when `tree`). Returns where the kill landed."""
    proc = sync_command(device, env)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if calls(device) >= call:
            time.sleep(delay)
            break
        time.sleep(0.001)
    if proc.poll() is not None:
        proc.communicate(timeout=60)
        return "finished"
    if tree:
        kill_tree(proc.pid)
    else:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    record = journal(device)
    if not record:
        return "killed before the sync began"
    return f"killed during git {record.get('command', '(none yet)')}"


def lock_files(device: Device) -> list[str]:
    git_dir = device.git_dir()
    return sorted(str(p.relative_to(git_dir)) for p in git_dir.rglob("*.lock"))


def problems_after(
    run: int, laptop: Device, phone: Device, remote: Path, words: set[str]
) -> list[str]:
    found = []
    for device in (laptop, phone):
        if not device.clean():
            found.append(f"{device.name}: not clean: {device.git('status', '--porcelain')[:300]}")
        found += [f"{device.name}: lock left: {name}" for name in lock_files(device)]
        found += [f"{device.name}: temp file left: {name}" for name in temp_files(device.root)]
    text = "\n".join(laptop.files().values())
    found += [f"word lost: {word}" for word in sorted(words) if word not in text]
    if "<<<<<<< " in text:
        found.append("conflict markers in the vault")
    trees = {
        name: git(path, "rev-parse", "main^{tree}", env=laptop.env)
        for name, path in (("laptop", laptop.root), ("phone", phone.root), ("remote", remote))
    }
    if len(set(trees.values())) != 1:
        found.append(f"trees differ: {trees}")
    return [f"run {run}: {problem}" for problem in found]


def test_a_sync_killed_at_any_moment_loses_nothing(tmp_path: Path) -> None:
    laptop, phone, remote = seeded(tmp_path)
    env = {**environment(tmp_path), **laptop.env, "IIV_MACHINE": "laptop"}
    random = rng("kill-sync")
    runs = count(4, 60)
    most = 0  # git calls in the longest sync seen: kills aim anywhere up to it
    outcomes: Counter[str] = Counter()
    failures: list[str] = []
    with figures("kill -9 during iiv sync") as record:
        for run in range(-1, runs):  # run -1 only measures a sync that merges
            shared = random.sample(notes(laptop), 1) if random.random() < 0.5 else []
            words = edit(laptop, random, run, shared) | edit(phone, random, run, shared)
            phone.sync()
            if run >= 0:
                # Any git call of the sync, any moment in the next 30 ms: in it or after it.
                call, delay = random.randint(1, most), random.uniform(0.0, 0.03)
                where = killed_sync(laptop, env, call, delay, tree=run % 2 == 1)
                outcomes[where] += 1
            seconds, made = watched_sync(laptop, env)
            record.seconds.append(seconds)
            most = max(most, made)
            phone.sync()
            failures += problems_after(run, laptop, phone, remote, words)
        record.runs, record.failures = runs, len(failures)
        conflicts = sum(1 for p in laptop.files() if "sync-conflict" in p)
        record.extra.update(
            outcomes=dict(sorted(outcomes.items())),
            conflict_copies=conflicts,
            git_calls=most,
        )
        for device in (laptop, phone):
            fsck = git(device.root, "fsck", "--no-progress", env=device.env).splitlines()
            failures += [f"{device.name}: git fsck: {e}" for e in fsck if "dangling" not in e]
    assert not failures, "\n".join(failures[:10])
