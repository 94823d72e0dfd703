"""The processes of a parallel build: fresh interpreters that each read and parse a share of a
big vault's notes and prepare them for an index, and the threads that relay their messages.

Fresh interpreters, not forks: the caller has threads, and a fork copies their locks mid-use
(Python 3.12+ warns); nor multiprocessing's spawn, which re-runs the caller's main script in
each child. A process gets its job as a pickle on its stdin and answers with pickles on its
stdout: the notes first (`("notes", {path: note})`, the due list needs them; the index can
wait), then what its engine asks for; `("error", traceback)` if it fails. Each engine's build
module has the `work` function a process runs (`serve`, with the engine's own task).
"""

from __future__ import annotations

import gc
import logging
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
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from iiv.errors import IivError, Stopped
from iiv.note import Kinds, Note
from iiv.search.engine import BUSY, SearchEngine
from iiv.vault import FileStat

log = logging.getLogger(__name__)
CHUNK = 100  # notes a process reads at a time
NICER = 10  # how much a process lowers its priority once it has sent its notes

Send = Callable[[tuple[Any, ...]], None]
Inbox = queues.Queue[tuple[Any, ...]]
Share = list[tuple[str, int, int]]  # (path, size, mtime_ns) of each note a process reads


def process_count(files: int, most: int) -> int:
    """How many processes share `files` notes: at most `most`, one a core, a chunk each."""
    return max(1, min(most, os.cpu_count() or 1, math.ceil(files / CHUNK)))


def shares(files: Sequence[FileStat], count: int) -> list[Share]:
    return [[(s.path, s.size, s.mtime_ns) for s in files[n::count]] for n in range(count)]


class Process:
    """One build process running `module`'s `work`, and a thread that hands it its job and
    relays its messages, so that the processes all start at once."""

    def __init__(self, module: str, job: tuple[Any, ...], inbox: Inbox) -> None:
        here = os.getcwd()
        env = dict(
            os.environ, PYTHONPATH=os.pathsep.join(os.path.abspath(p or here) for p in sys.path)
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", f"from {module} import work; work()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        job = (os.getpid(), *job)
        self._relay = threading.Thread(target=self._run, args=(job, inbox), daemon=True)
        self._relay.start()

    def _run(self, job: tuple[Any, ...], inbox: Inbox) -> None:
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


@contextmanager
def started(module: str, jobs: list[tuple[Any, ...]]) -> Iterator[tuple[list[Process], Inbox]]:
    """A process for each job, and the inbox of their messages; killed if the caller fails,
    and waited for when it is done."""
    inbox: Inbox = queues.Queue()
    processes: list[Process] = []
    try:
        for job in jobs:
            processes.append(Process(module, job, inbox))
        yield processes, inbox
    except BaseException:
        for started_process in processes:
            started_process.process.kill()
        raise
    finally:
        for started_process in processes:
            started_process.finish()


def receive(inbox: Inbox, processes: list[Process], stop: threading.Event) -> tuple[Any, ...]:
    """The next message from the processes; raise if one failed or all stopped, or if iiv is
    shutting down (the caller then kills the processes)."""
    while True:
        if stop.is_set():
            raise Stopped("the index rebuild was stopped")
        try:
            message = inbox.get(timeout=0.2)
        except queues.Empty:
            if all(each.process.poll() is not None for each in processes) and inbox.empty():
                raise IivError("the index build processes stopped before they finished") from None
            continue
        if message[0] == "exit":
            if message[1] != 0:
                raise IivError(f"an index build process stopped (exit status {message[1]})")
            continue
        if message[0] == "error":
            raise IivError(f"an index build process failed:\n{message[1]}")
        return message


def serve(task: Callable[[list[Any], Send], None]) -> None:
    """What a build process runs: its job from stdin, given to `task` (without the parent's
    pid) with a `send` for its messages; the traceback is sent if it fails."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # anything printed goes to stderr, not into the messages

    def send(message: tuple[Any, ...]) -> None:
        pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()

    gc.disable()  # a short life with many objects that hold no cycles: scanning them again
    # and again would double the work
    try:
        parent, *job = pickle.load(sys.stdin.buffer)
        _die_with(parent)
        task(job, send)
    except BaseException:
        send(("error", traceback.format_exc()))
    out.close()


def _die_with(parent: int) -> None:
    """End this process with its parent (killed or not), rather than work for no one."""
    with suppress(Exception):  # Linux only: elsewhere the process finishes its share, then exits
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def read_share(root: Path, kinds: Kinds, share: Share, send: Send) -> list[tuple[Note, FileStat]]:
    """Read and parse the notes, sending them back (bodies left out: what the catalog stores)
    a chunk at a time, in one pickle, which shares the texts they repeat."""
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
    return read


def lower_priority() -> None:
    """Once the notes are sent, the rest is background work: the server, which now makes the
    due list from them, goes first for the CPU."""
    with suppress(OSError):
        os.nice(NICER)


def rebuild_from_files(
    engine: SearchEngine,
    in_processes: Callable[[], int] | None,
    root: Path,
    files: Sequence[FileStat],
    on_notes: Callable[[dict[str, Note | None]], None],
    progress: Callable[[int], None] | None,
    kinds: Kinds,
) -> int:
    """`SearchEngine.rebuild_from_files`, for either engine: its build in processes, when it
    has one for this vault (`in_processes`); else, or when that fails for any reason but a
    stop or another writer, the notes read in this process and given to `engine.rebuild`."""
    if in_processes is not None:
        try:
            return in_processes()
        except Stopped:
            raise
        except (OSError, IivError) as error:
            if str(error) == BUSY:
                raise
            log.warning("indexing in one process instead: %s", error)
    from iiv.vault import read_existing

    notes = {stat.path: read_existing(root, stat.path, kinds) for stat in files}
    if progress:
        progress(len(notes))
    on_notes({path: note and note.without_body() for path, note in notes.items()})
    return engine.rebuild(
        [(note, stat) for stat in files if (note := notes[stat.path]) is not None]
    )
