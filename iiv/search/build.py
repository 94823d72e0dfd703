"""Building a Whoosh index from nothing: in this process, or in worker processes for a big vault.

Worker processes read, parse and index a share of the notes each, as segments of their own;
the notes go back to the caller first (the due list needs them, the index can wait), then the
segments, which are committed as one index. That needs iiv's fast writer: on a Whoosh the fast
paths were not verified with, a build runs in one process.
"""

from __future__ import annotations

import gc
import math
import os
import pickle
import queue as queues
import shutil
import signal
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from whoosh import index

from iiv.errors import IivError, Stopped
from iiv.note import Kinds, Note
from iiv.search.layers import StockLayer
from iiv.search.schema import SCHEMA, document, stored_body
from iiv.vault import FileStat

PROGRESS_EVERY = 500
PARALLEL_FROM = 500  # notes: a rebuild this big reads, parses and indexes in worker processes
CHUNK = 100  # notes a build worker reads at a time
SEGMENT_DOCS = 6000  # notes a build worker writes to one segment
NICER = 10  # how much a build worker lowers its priority once it has sent its notes
WORKER_MB = 256  # posting buffer of each build worker before it spills to disk


def create(folder: Path) -> Any:
    """A new empty Whoosh index in `folder`, which is emptied first."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return index.create_in(str(folder), SCHEMA)


def build(
    folder: Path,
    notes: Iterable[tuple[Note, FileStat]],
    progress: Callable[[int], None] | None,
    stop: threading.Event,
    layer: StockLayer,
) -> int:
    """Index the notes into a new index in `folder`, in this process; returns how many."""
    writer = layer.build_writer(create(folder))
    count = 0
    try:
        for note, stat in notes:
            if stop.is_set():
                raise Stopped("the index rebuild was stopped")
            writer.add_document(**document(note, stat))
            count += 1
            if progress and count % PROGRESS_EVERY == 0:
                progress(count)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=False)
    if progress and count % PROGRESS_EVERY:
        progress(count)
    return count


def build_in_workers(
    folder: Path,
    vault: tuple[Path, Kinds],
    files: Sequence[FileStat],
    on_notes: Callable[[dict[str, Note | None]], None],
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> int:
    """Worker processes read, parse and index a share of the notes each (see the module).

    Fresh interpreters, not forks: the caller has threads, and a fork copies their locks
    mid-use (Python 3.12+ warns); nor multiprocessing's spawn, which re-runs the caller's
    main script in each child.
    """
    from iiv.search import _whoosh_private

    ix = create(folder)
    count = max(1, min(4, os.cpu_count() or 1, math.ceil(len(files) / CHUNK)))
    inbox: queues.Queue[tuple[Any, ...]] = queues.Queue()
    workers: list[_Worker] = []
    try:
        for number in range(count):
            workers.append(_Worker(folder, vault, files[number::count], inbox))
        on_notes(_receive_notes(inbox, workers, len(files), progress, stop))
        segments = [_receive(inbox, workers, "segments", stop) for _ in workers]
    except BaseException:
        for worker in workers:
            worker.process.kill()
        raise
    finally:
        for worker in workers:
            worker.finish()
    _whoosh_private.commit_segments(ix, [segment for written, _ in segments for segment in written])
    return sum(documents for _, documents in segments)


class _Worker:
    """One build process, and a thread that hands it its job and relays its messages
    (pickles on its stdin and stdout), so that the processes all start at once."""

    def __init__(
        self,
        folder: Path,
        vault: tuple[Path, Kinds],
        share: Sequence[FileStat],
        inbox: queues.Queue[Any],
    ) -> None:
        here = os.getcwd()
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p or here) for p in sys.path)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from iiv.search.build import work; work()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        root, kinds = vault
        stats = [(s.path, s.size, s.mtime_ns) for s in share]
        job = (os.getpid(), str(folder), str(root), kinds, stats)
        self._relay = threading.Thread(target=self._run, args=(job, inbox), daemon=True)
        self._relay.start()

    def _run(self, job: tuple[Any, ...], inbox: queues.Queue[Any]) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            with self.process.stdin as stdin:
                pickle.dump(job, stdin)
            while True:
                inbox.put(pickle.load(self.process.stdout))
        except (EOFError, OSError):
            pass
        except Exception:  # a message cut short: the process died; its exit code says more
            pass
        inbox.put(("exit", self.process.wait()))

    def finish(self) -> None:
        self._relay.join(timeout=30)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


def _receive_notes(
    inbox: queues.Queue[Any],
    workers: list[_Worker],
    expected: int,
    progress: Callable[[int], None] | None,
    stop: threading.Event,
) -> dict[str, Note | None]:
    """Every note the workers read (None: gone meanwhile)."""
    notes: dict[str, Note | None] = {}
    while len(notes) < expected:
        notes.update(_receive(inbox, workers, "notes", stop))
        if progress:
            progress(len(notes))
    return notes


def _receive(
    inbox: queues.Queue[Any], workers: list[_Worker], kind: str, stop: threading.Event
) -> Any:
    """The next message of `kind` from the workers; raise if one failed or all stopped, or if
    iiv is shutting down (the caller then kills the workers)."""
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
        if message[0] != kind:
            raise IivError(f"an index build process sent {message[0]!r}, not {kind!r}")
        return message[1] if kind == "notes" else message[1:]


def work() -> None:
    """A build process (see `build_in_workers`): a job on stdin; notes, then segments, out."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the messages

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    gc.disable()  # a short life with millions of postings, which hold no cycles: scanning
    # them again and again would double the work
    try:
        from iiv.search import _whoosh_private

        _whoosh_private.install()  # the process that started this one uses the fast layer
        parent, folder, root, kinds, share = pickle.load(sys.stdin.buffer)
        _die_with(parent)
        documents = _read_share(Path(root), kinds, share, send)
        with suppress(OSError):  # indexing is background work: the server, which now makes
            os.nice(NICER)  # the due list from the notes sent, goes first for the CPU
        send(("segments", *_write_segments(folder, documents)))
    except BaseException:
        send(("error", traceback.format_exc()))
    out.close()


def _die_with(parent: int) -> None:
    """End this process with its parent (killed or not), rather than index for no one."""
    with suppress(Exception):  # Linux only: elsewhere the worker finishes its share, then exits
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _read_share(
    root: Path,
    kinds: Kinds,
    share: list[tuple[str, int, int]],
    send: Callable[[tuple[Any, ...]], None],
) -> list[dict[str, Any]]:
    """Read and parse the notes, sending them back (bodies left out: what the catalog stores)
    a chunk at a time, in one pickle, which shares the texts they repeat; then make their
    documents, bodies as UTF-8 (a text with one emoji takes four bytes a character as a str).
    The due list waits for the last note sent, the full-text index for the documents: sending
    comes first."""
    from iiv.vault import read_existing

    read: list[tuple[Note, FileStat]] = []
    for start in range(0, len(share), CHUNK):
        notes: dict[str, Note | None] = {}
        for path, size, mtime_ns in share[start : start + CHUNK]:
            note = read_existing(root, path, kinds)
            if note is not None:
                read.append((note, FileStat(path, size, mtime_ns)))
            notes[path] = note and note.without_body()
        send(("notes", notes))
    documents = []
    read.reverse()
    while read:  # in order, each note freed once its document is made
        note, stat = read.pop()
        made = document(note, stat)
        made.pop("_stored_body", None)
        made["body"] = made.get("body", "").encode("utf-8")
        documents.append(made)
    return documents


def _write_segments(folder: str, documents: list[dict[str, Any]]) -> tuple[list[Any], int]:
    """Index the documents as segments of SEGMENT_DOCS at most: one big segment costs more
    per note (its postings no longer fit in memory, and whoosh merges them from disk)."""
    from iiv.search import _whoosh_private

    segments, count = [], len(documents)
    while documents:
        batch, documents[:SEGMENT_DOCS] = documents[:SEGMENT_DOCS], []  # frees them as it goes
        segments.append(
            _whoosh_private.write_segment(
                folder, _with_bodies(batch), f"MAIN.{os.getpid()}.tmp", WORKER_MB
            )
        )
    return segments, count


def _with_bodies(batch: list[dict[str, Any]]) -> Iterable[dict[str, Any]]:
    """The documents with their bodies as text again, and the text stored for snippets."""
    for made in batch:
        body = made.pop("body").decode("utf-8")
        if body:
            made.update(body=body, _stored_body=stored_body(body))
        yield made
