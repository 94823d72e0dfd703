"""The watcher and the worker on real files: every way an editor or a tool saves a note."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import watchdog.events

from iiv.library import Library
from iiv.worker import Worker
from tests.helpers import make_vault
from tests.sync_helpers import assert_consistent, found, wait_until, write

NOTE = "---\ntype: person\nname: Grace Hopper\n---\nCompiler pioneer. {word}\n"


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path,
        {
            "people/Grace Hopper.md": NOTE.format(word="cobol"),
            "notes/plain.md": "# Plain\nnothing special\n",
        },
    )


@pytest.fixture
def worker(vault: Path, tmp_path: Path) -> Iterator[Worker]:
    """A worker watching the vault, with the periodic reconcile off."""
    lib = Library.open(vault, tmp_path / "index")
    with working(lib, watch=True, reconcile_every=3600) as running:
        yield running


@pytest.fixture
def library(worker: Worker) -> Library:
    return worker.library


@contextmanager
def working(library: Library, **options: Any) -> Iterator[Worker]:
    """A started worker on `library`, ready; stopped, and the library closed, afterwards."""
    worker = Worker(library, **options)
    worker.start()
    try:
        assert worker.ready.wait(30)
        yield worker
    finally:
        worker.stop()
        library.close()


def searchable(library: Library, word: str, paths: set[str]) -> None:
    wait_until(lambda: found(library, word) == paths, 10, f"{word!r} to be found in {paths}")


def test_watch_reindexes_a_plain_overwrite(library: Library, vault: Path) -> None:
    (vault / "people/Grace Hopper.md").write_text(NOTE.format(word="nanosecond"))
    searchable(library, "nanosecond", {"people/Grace Hopper.md"})
    assert found(library, "cobol") == set()


def test_watch_reindexes_an_atomic_rename_save(
    library: Library, worker: Worker, vault: Path
) -> None:
    temp = vault / "people/.Grace Hopper.md.tmp"
    temp.write_text(NOTE.format(word="flowmatic"))
    os.replace(temp, vault / "people/Grace Hopper.md")
    searchable(library, "flowmatic", {"people/Grace Hopper.md"})
    assert_consistent(worker)


def test_watch_reindexes_sed_in_place(library: Library, vault: Path) -> None:
    subprocess.run(
        ["sed", "-i", "s/cobol/univac/", str(vault / "people/Grace Hopper.md")], check=True
    )
    searchable(library, "univac", {"people/Grace Hopper.md"})


@pytest.mark.skipif(not shutil.which("vim"), reason="vim is not installed")
@pytest.mark.parametrize("backupcopy", ["yes", "no"])
def test_watch_reindexes_a_vim_save(
    library: Library, worker: Worker, vault: Path, backupcopy: str
) -> None:
    subprocess.run(
        [
            "vim",
            "-Es",
            "-N",
            "-u",
            "NONE",
            "-i",
            "NONE",
            "-c",
            f"set backupcopy={backupcopy}",
            "-c",
            "set swapfile writebackup",
            "-c",
            "%s/cobol/harvard/",
            "-c",
            "wq",
            str(vault / "people/Grace Hopper.md"),
        ],
        check=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    searchable(library, "harvard", {"people/Grace Hopper.md"})
    assert_consistent(worker)
    assert "4913" not in library.snapshot().notes


def test_watch_indexes_a_new_folder_with_notes_moved_into_it(
    library: Library, vault: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    for number in range(5):
        write(outside / f"n{number}.md", f"# Moved {number}\nzeppelin\n")
    (vault / "archive").mkdir()
    for path in outside.iterdir():
        shutil.move(str(path), vault / "archive" / path.name)
    searchable(library, "zeppelin", {f"archive/n{n}.md" for n in range(5)})


def test_watch_follows_renames_and_folder_moves(
    library: Library, worker: Worker, vault: Path
) -> None:
    os.rename(vault / "notes/plain.md", vault / "notes/renamed.md")
    searchable(library, "special", {"notes/renamed.md"})
    os.rename(vault / "notes", vault / "ideas")
    searchable(library, "special", {"ideas/renamed.md"})
    assert_consistent(worker)


def test_watch_forgets_a_deleted_folder_and_a_note_moved_out(
    library: Library, worker: Worker, vault: Path, tmp_path: Path
) -> None:
    shutil.move(str(vault / "people/Grace Hopper.md"), tmp_path / "gone.md")
    searchable(library, "cobol", set())
    shutil.rmtree(vault / "notes")
    searchable(library, "special", set())
    assert_consistent(worker)
    assert library.snapshot().notes == {}


def test_watch_forgets_a_folder_moved_out_of_the_vault(
    library: Library, vault: Path, tmp_path: Path
) -> None:
    for number in range(20):
        write(vault / "old" / f"n{number}.md", f"obsolete {number}\n")
    wait_until(lambda: len(found(library, "obsolete")) == 20, 10, "20 notes indexed")
    shutil.move(str(vault / "old"), tmp_path / "old")
    searchable(library, "obsolete", set())


def test_watch_sees_a_half_written_file_complete(library: Library, vault: Path) -> None:
    path = vault / "notes/slow.md"
    with path.open("w") as handle:
        handle.write("---\ntype: person\nname: Half")
        handle.flush()
        wait_until(lambda: "notes/slow.md" in library.snapshot().notes, 10, "the half file")
        handle.write(" Written\n---\nfinished sentence\n")
    searchable(library, "finished", {"notes/slow.md"})
    wait_until(lambda: library.snapshot().notes["notes/slow.md"].title == "Half Written", 10)


def test_watch_ignores_dot_folders_swap_files_and_templates(library: Library, vault: Path) -> None:
    write(vault / ".obsidian/workspace.md", "secretword\n")
    write(vault / "people/.Grace Hopper.md.swp", "secretword\n")
    write(vault / "templates/person.md", "secretword\n")
    write(vault / "notes/visible.md", "secretword\n")
    searchable(library, "secretword", {"notes/visible.md"})


def test_watch_survives_a_git_checkout_of_a_thousand_files(
    library: Library, worker: Worker, vault: Path
) -> None:
    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(vault), *args], check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "base")
    git("checkout", "-q", "-b", "many")
    for number in range(1000):
        write(vault / "bulk" / f"note {number:04d}.md", f"# Bulk {number}\nkeyword{number % 7}\n")
    git("add", "-A")
    git("-c", "user.email=t@example.org", "-c", "user.name=t", "commit", "-q", "-m", "many")
    wait_until(lambda: len(library.snapshot().notes) == 1002, 30, "1,000 notes to arrive")
    git("checkout", "-q", "main")
    wait_until(lambda: len(library.snapshot().notes) == 2, 30, "1,000 notes to leave")
    git("checkout", "-q", "many")
    assert_consistent(worker, timeout=30)
    assert len(found(library, "keyword3")) == 143


def test_a_full_reconcile_repairs_lost_events(vault: Path, tmp_path: Path) -> None:
    library = Library.open(vault, tmp_path / "index")
    with working(library, watch=False, reconcile_every=0.5):
        write(vault / "notes/unwatched.md", "quietly added\n")
        searchable(library, "quietly", {"notes/unwatched.md"})


def test_a_queue_overflow_triggers_a_full_reconcile(
    library: Library, worker: Worker, vault: Path
) -> None:
    before = library.last_sync
    lost = getattr(watchdog.events, "EventsLostEvent", None)
    if lost is not None:  # as watchdog's inotify observer reports an overflow
        observer = worker.watcher._observer  # type: ignore[union-attr]
        for emitter in observer.emitters:  # type: ignore[union-attr]
            emitter.queue_event(lost(str(vault), is_directory=True))
    else:  # before watchdog 7.1, only its log said so
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
    wait_until(lambda: library.last_sync != before, 10, "a reconcile after the overflow")
    assert_consistent(worker)


def test_saves_that_come_faster_than_they_are_applied_are_batched(
    vault: Path, tmp_path: Path
) -> None:
    library = Library.open(vault, tmp_path / "index")
    batches: list[int] = []
    sync = library.sync

    def busy_sync(paths: Iterable[str] | None = None, progress: None = None) -> object:
        if paths is not None:  # as on a server busy with readers: saves arrive meanwhile
            batches.append(len(set(paths)))
            time.sleep(0.1)
        return sync(paths, progress)

    library.sync = busy_sync  # type: ignore[method-assign]
    with working(library, watch=True, reconcile_every=3600) as worker:
        for n in range(30):  # one save every 80 ms: more than `debounce` apart
            write(vault / f"notes/stream {n}.md", f"streamed{n}\n")
            time.sleep(0.08)
        assert_consistent(worker)
    assert len(batches) <= 12 and max(batches) >= 3, batches  # one by one, it takes 20 or more


def test_the_index_is_tidied_while_saves_go_on(vault: Path, tmp_path: Path) -> None:
    library = Library.open(vault, tmp_path / "index")
    tidied: list[tuple[float, int | None]] = []
    compact = library.compact

    def counted_compact(most: int | None = None) -> bool:
        tidied.append((time.monotonic(), most))
        return compact(most)

    library.compact = counted_compact  # type: ignore[method-assign]
    with working(
        library, watch=True, reconcile_every=3600, tidy_after=3600, tidy_every=0.5
    ) as worker:
        started = time.monotonic()
        for n in range(25):  # two seconds of saves, never quiet
            write(vault / "notes/busy.md", f"save{n}\n")
            time.sleep(0.08)
        ended = time.monotonic()
        assert_consistent(worker)
    assert any(started < moment < ended and most for moment, most in tidied), tidied  # short


def test_a_save_made_as_soon_as_the_last_one_shows_is_not_held_back(
    vault: Path, tmp_path: Path
) -> None:
    """A save is searchable before its batch ends; the next save then arrives meanwhile, but
    one save is not a stream (with `max_delay` of 5 s, waiting for it would time out here)."""
    library = Library.open(vault, tmp_path / "index")
    sync = library.sync

    def slow_to_finish(paths: Iterable[str] | None = None, progress: None = None) -> object:
        stats = sync(paths, progress)
        time.sleep(0.2 if paths is not None else 0)  # the catalog and the snapshot, say
        return stats

    library.sync = slow_to_finish  # type: ignore[method-assign]
    with working(library, watch=True, reconcile_every=3600, max_delay=5.0):
        for word in [f"reply{n}" for n in range(5)]:
            write(vault / "notes/reply.md", f"{word}\n")
            wait_until(lambda w=word: found(library, w) == {"notes/reply.md"}, 3, word)
