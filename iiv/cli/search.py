"""The full-text index from the terminal: `iiv index` and `iiv search`.

The index, library and server load Whoosh, Flask and waitress: over a second of imports that
`iiv done` or `iiv due` must not pay, so these commands import them when they run.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from iiv import formats
from iiv.cli.base import (
    index_dir_option,
    json_option,
    log_to_stderr,
    print_json,
    progress,
    vault_option,
)
from iiv.errors import IivError

if TYPE_CHECKING:
    from iiv.search import SearchResult

BUILD_WAIT = 300.0  # seconds `iiv search` waits for another iiv building the index


@click.command()
@click.option("--rebuild", is_flag=True, help="Forget the index and read every note again.")
@index_dir_option
@vault_option
def index(rebuild: bool, index_dir: Path | None, vault_path: Path) -> None:
    """Bring the full-text index up to date with the vault (only changed notes are read).

    \b
    Example:
      iiv index
      iiv index --rebuild
    """
    from iiv.library import Library

    log_to_stderr()
    library = Library.open_for_writing(vault_path, index_dir, wait=5, waiting=_say_waiting)
    if library is None:
        click.echo(
            "another iiv (iiv serve, or an iiv index still running) is keeping this "
            "vault's index up to date: nothing to do"
            + (" (stop it to rebuild)" if rebuild else ".")
        )
        return
    try:
        started = time.monotonic()
        with progress("Reading notes") as update:
            stats = (library.rebuild if rebuild else library.sync)(progress=update)
        took = time.monotonic() - started
        click.echo(
            f"{library.indexed} notes indexed: {stats.added} added, "
            f"{stats.modified} modified, {stats.removed} removed ({took:.1f} s)"
        )
    finally:
        library.close()


def _say_waiting() -> None:
    click.echo("waiting for another iiv writing this index...", err=True)


@click.command()
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 100_000))
@json_option
@index_dir_option
@vault_option
def search(
    query: str, limit: int, page: int, as_json: bool, index_dir: Path | None, vault_path: Path
) -> None:
    """Search every note (brings the index up to date first).

    Words, "phrases", AND / OR / NOT, prefix*, and filters: person:, company:, tag:,
    kind:, status:, medium:, date:>2026-01-01.

    \b
    Example:
      iiv search "developer relations" --limit 5
      iiv search 'tag:career company:northwind'
    """
    log_to_stderr()
    result = _search(vault_path, index_dir, query, limit, page)
    if as_json:
        print_json(result.to_json())
        return
    click.echo(formats.search_results(result))


def _search(
    vault_path: Path, index_dir: Path | None, query: str, limit: int, page: int
) -> SearchResult:
    """Sync, then search; while another iiv writes the index, search it as that one keeps
    it, and wait (saying so) while it builds the index from nothing or replaces it."""
    deadline = time.monotonic() + BUILD_WAIT
    waiting = False
    while True:
        result = _search_once(vault_path, index_dir, query, limit, page)
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise IivError("another iiv is still building the search index: try again later")
        if not waiting:
            click.echo("waiting for another iiv to build the search index...", err=True)
            waiting = True
        time.sleep(0.5)


def _search_once(
    vault_path: Path, index_dir: Path | None, query: str, limit: int, page: int
) -> SearchResult | None:
    """The results, or None while another iiv is building or replacing the index."""
    from iiv.library import Library

    # Else iiv serve (or iiv index) writes the index, and keeps it fresh.
    library = Library.open_for_writing(vault_path, index_dir) or Library.open(vault_path, index_dir)
    try:
        if library.writing:
            library.sync()
        elif library.index.needs_rebuild:
            return None
        return library.search(query, limit=limit, page=page)
    except IivError:
        if library.writing:
            raise
        return None  # the writer replaced the index while it was read: open it again
    finally:
        library.close()


COMMANDS = (index, search)
