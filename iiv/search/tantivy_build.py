"""Building a tantivy index from a big vault's files: reading, parsing and analysis in worker
processes, the index written by tantivy's threads in this one.

iiv's analysis is Python (the same terms as Whoosh's), and so is parsing: worker processes do
both, one core each, while tantivy indexes what they send. Each worker reads and parses its
share of the notes and sends them first (the due list needs them; the index can wait), then
lowers its priority and sends their fields, made by `tantivy_fields.values`. The workers are
fresh interpreters, not forks: the caller has threads, and a fork copies their locks mid-use.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import queue as queues
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from iiv.errors import IivError, Stopped
from iiv.note import Kinds, Note
from iiv.search.tantivy_fields import Values, values
from iiv.vault import FileStat

PARALLEL_FROM = 500  # notes: a rebuild this big reads, parses and analyzes in worker processes
CHUNK = 100  # notes a worker reads, or makes the fields of, at a time
WORKERS = 4  # at most, and no more than the cores
NICER = 10  # how much a worker lowers its priority once it has sent its notes


def build_in_workers(
    folder: Path,
    vault: tuple[Path, Kinds],
    files: Sequence[FileStat],
    on_notes: Callable[[dict[str, Note | None]], None],
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> int:
    """A new index of the vault's `files` in `folder`; `on_notes` gets every note read as soon
    as all are (None for a file gone meanwhile; bodies left out). Returns how many."""
    from iiv.search.tantivy_engine import build

    count = max(1, min(WORKERS, os.cpu_count() or 1, math.ceil(len(files) / CHUNK)))
    inbox: queues.Queue[tuple[Any, ...]] = queues.Queue()
    workers: list[_Worker] = []
    try:
        for number in range(count):
            workers.append(_Worker(vault, files[number::count], inbox))
        received = _Received(len(files), on_notes, progress)
        return build(folder, _documents(inbox, workers, received, stop), None, stop)
    except BaseException:
        for worker in workers:
            worker.process.kill()
        raise
    finally:
        for worker in workers:
            worker.finish()


class _Received:
    """The notes received so far, handed on whole once all are in."""

    def __init__(
        self,
        expected: int,
        on_notes: Callable[[dict[str, Note | None]], None],
        progress: Callable[[int], None] | None,
    ) -> None:
        self.expected, self.on_notes, self.progress = expected, on_notes, progress
        self.notes: dict[str, Note | None] = {}
        self.complete = False

    def add(self, notes: dict[str, Note | None]) -> None:
        self.notes.update(notes)
        if self.progress:
            self.progress(len(self.notes))
        if len(self.notes) == self.expected:
            self.on_notes(self.notes)
            self.notes, self.complete = {}, True


def _documents(
    inbox: queues.Queue[Any],
    workers: list[_Worker],
    received: _Received,
    stop: threading.Event,
) -> Iterator[Values]:
    """The fields of every note, as the workers send them; the notes go to `received`."""
    finished = 0
    while finished < len(workers):
        kind, payload = _receive(inbox, workers, stop)
        if kind == "notes":
            received.add(payload)
        elif kind == "documents":
            yield from payload
        else:
            finished += 1
    if not received.complete:
        raise IivError("the index build processes sent fewer notes than they were given")


def _receive(
    inbox: queues.Queue[Any], workers: list[_Worker], stop: threading.Event
) -> tuple[str, Any]:
    """The next message from the workers; raise if one failed or all stopped, or if iiv is
    shutting down (the caller then kills the workers)."""
    while True:
        if stop.is_set():
            raise Stopped("the index rebuild was stopped")
        try:
            message = inbox.get(timeout=0.2)
        except queues.Empty:
            if all(worker.process.poll() is not None for worker in workers) and inbox.empty():
                raise IivError("the index build processes stopped before they finished") from None
            continue
        if message[0] == "exit":
            if message[1] != 0:
                raise IivError(f"an index build process stopped (exit status {message[1]})")
            continue
        if message[0] == "error":
            raise IivError(f"an index build process failed:\n{message[1]}")
        return message[0], message[1]


class _Worker:
    """One build process, and a thread that hands it its job and relays its messages
    (pickles on its stdin and stdout), so that the processes all start at once."""

    def __init__(
        self, vault: tuple[Path, Kinds], share: Sequence[FileStat], inbox: queues.Queue[Any]
    ) -> None:
        here = os.getcwd()
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p or here) for p in sys.path)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from iiv.search.tantivy_build import work; work()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        root, kinds = vault
        stats = [(s.path, s.size, s.mtime_ns) for s in share]
        job = (os.getpid(), str(root), kinds, stats)
        self._relay = threading.Thread(target=self._run, args=(job, inbox), daemon=True)
        self._relay.start()

    def _run(self, job: tuple[Any, ...], inbox: queues.Queue[Any]) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            with self.process.stdin as stdin:
                pickle.dump(job, stdin)
            while True:
                inbox.put(pickle.load(self.process.stdout))
        except Exception:  # the end of the messages, or one cut short: the exit code says more
            pass
        inbox.put(("exit", self.process.wait()))

    def finish(self) -> None:
        self._relay.join(timeout=30)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def work() -> None:
    """A build process (see the module): a job on stdin; notes, then their fields, out."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the messages

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    gc.disable()  # a short life with many objects that hold no cycles
    try:
        parent, root, kinds, share = pickle.load(sys.stdin.buffer)
        _die_with(parent)
        read = _read_share(Path(root), kinds, share, send)
        with suppress(OSError):  # analysis is background work: the server, which now makes
            os.nice(NICER)  # the due list from the notes sent, goes first for the CPU
        for start in range(0, len(read), CHUNK):
            batch = read[start : start + CHUNK]
            read[start : start + CHUNK] = [None] * len(batch)  # each note freed once sent
            send(("documents", [values(note, stat) for note, stat in batch]))
        send(("done", None))
    except BaseException:
        send(("error", traceback.format_exc()))
    out.close()


def _read_share(
    root: Path,
    kinds: Kinds,
    share: list[tuple[str, int, int]],
    send: Callable[[tuple[Any, ...]], None],
) -> list[Any]:
    """Read and parse the notes, sending them back (bodies left out: what the catalog stores)
    a chunk at a time, in one pickle, which shares the texts they repeat."""
    from iiv.vault import read_existing

    read: list[Any] = []
    for start in range(0, len(share), CHUNK):
        notes: dict[str, Note | None] = {}
        for path, size, mtime_ns in share[start : start + CHUNK]:
            note = read_existing(root, path, kinds)
            if note is not None:
                read.append((note, FileStat(path, size, mtime_ns)))
            notes[path] = note and note.without_body()
        send(("notes", notes))
    return read


def _die_with(parent: int) -> None:
    """End this process with its parent (killed or not), rather than analyze for no one."""
    with suppress(Exception):  # Linux only: elsewhere the worker finishes its share, then exits
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)
