"""Building a Whoosh index from nothing: in this process, or in worker processes for a big vault.

Worker processes read, parse and index a share of the notes each, as segments of their own;
the notes go back to the caller first (the due list needs them, the index can wait), then the
segments, which are committed as one index. That needs iiv's fast writer: on a Whoosh the fast
paths were not verified with, a build runs in one process.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from whoosh import index

from iiv.errors import IivError, Stopped
from iiv.note import Kinds, Note
from iiv.search.layers import StockLayer
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
from iiv.search.schema import MAX_STORED_BODY, SCHEMA, document
from iiv.vault import FileStat

PROGRESS_EVERY = 500
PARALLEL_FROM = 500  # notes: a rebuild this big reads, parses and indexes in worker processes
WORKERS = 4  # build processes at most, and no more than the cores
SEGMENT_DOCS = 6000  # notes a build worker writes to one segment
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
    """Worker processes read, parse and index a share of the notes each (see the module and
    `iiv.search.processes`)."""
    from iiv.search import _whoosh_private

    ix = create(folder)
    root, kinds = vault
    count = process_count(len(files), WORKERS)
    jobs = [(str(folder), str(root), kinds, share) for share in shares(files, count)]
    with started(__name__, jobs) as (workers, inbox):
        on_notes(_receive_notes(inbox, workers, len(files), progress, stop))
        segments = [_receive(inbox, workers, "segments", stop) for _ in workers]
    _whoosh_private.commit_segments(ix, [segment for written, _ in segments for segment in written])
    return sum(documents for _, documents in segments)


def _receive_notes(
    inbox: Inbox,
    workers: list[Process],
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


def _receive(inbox: Inbox, workers: list[Process], kind: str, stop: threading.Event) -> Any:
    """The next message from the workers, which must be of `kind`."""
    message = receive(inbox, workers, stop)
    if message[0] != kind:
        raise IivError(f"an index build process sent {message[0]!r}, not {kind!r}")
    return message[1] if kind == "notes" else message[1:]


def work() -> None:
    """A build process (see `build_in_workers`): a job on stdin; notes, then segments, out."""
    serve(_index_share)


def _index_share(job: list[Any], send: Send) -> None:
    from iiv.search import _whoosh_private

    _whoosh_private.install()  # the process that started this one uses the fast layer
    folder, root, kinds, share = job
    documents = _documents(read_share(Path(root), kinds, share, send))
    lower_priority()
    send(("segments", *_write_segments(folder, documents)))


def _documents(read: list[tuple[Note, FileStat]]) -> list[dict[str, Any]]:
    """The notes' documents, bodies as UTF-8 (a text with one emoji takes four bytes a
    character as a str); made once the notes are sent, as the due list waits for them."""
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
    """The documents with their bodies as text again, and the part stored for snippets."""
    for made in batch:
        body = made.pop("body").decode("utf-8")
        if body:
            made["body"] = body
        if len(body) > MAX_STORED_BODY:
            made["_stored_body"] = body[:MAX_STORED_BODY]
        yield made
