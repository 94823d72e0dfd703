"""Building a tantivy index from a big vault's files: reading, parsing and analysis in worker
processes, the index written by tantivy's threads in this one.

iiv's analysis is Python (the same terms as Whoosh's), and so is parsing: worker processes do
both, one core each, while tantivy indexes what they send. Each worker reads and parses its
share of the notes and sends them first (the due list needs them; the index can wait), then
lowers its priority and sends their fields, made by `tantivy_fields.values`. How the workers
are started and heard is `iiv.search.processes`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from iiv.errors import IivError
from iiv.note import Kinds, Note
from iiv.search.processes import (
    Inbox,
    Process,
    Send,
    lower_priority,
    process_count,
    read_share,
    receive,
    serve,
    shares,
    started,
)
from iiv.search.tantivy_fields import Values, values
from iiv.vault import FileStat

PARALLEL_FROM = 500  # notes: a rebuild this big reads, parses and analyzes in worker processes
CHUNK = 100  # notes a worker makes the fields of at a time
WORKERS = 4  # at most, and no more than the cores


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

    root, kinds = vault
    count = process_count(len(files), WORKERS)
    jobs = [(str(root), kinds, share) for share in shares(files, count)]
    with started(__name__, jobs) as (workers, inbox):
        received = _Received(len(files), on_notes, progress)
        return build(folder, _documents(inbox, workers, received, stop), None, stop)


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
    inbox: Inbox,
    workers: list[Process],
    received: _Received,
    stop: threading.Event,
) -> Iterator[Values]:
    """The fields of every note, as the workers send them; the notes go to `received`."""
    finished = 0
    while finished < len(workers):
        kind, payload = receive(inbox, workers, stop)[:2]
        if kind == "notes":
            received.add(payload)
        elif kind == "documents":
            yield from payload
        else:
            finished += 1
    if not received.complete:
        raise IivError("the index build processes sent fewer notes than they were given")


def work() -> None:
    """A build process (see the module): a job on stdin; notes, then their fields, out."""
    serve(_analyze_share)


def _analyze_share(job: list[Any], send: Send) -> None:
    root, kinds, share = job
    read: list[Any] = read_share(Path(root), kinds, share, send)
    lower_priority()
    for start in range(0, len(read), CHUNK):
        batch = read[start : start + CHUNK]
        read[start : start + CHUNK] = [None] * len(batch)  # each note freed once sent
        send(("documents", [values(note, stat) for note, stat in batch]))
    send(("done", None))
