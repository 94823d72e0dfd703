"""The `iiv` command. Commands are thin: parse options, call one library function, print."""

from __future__ import annotations

import html
import json
import logging
import re
import secrets
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from iiv import __version__
from iiv.dates import BadDate, parse_date, parse_datetime
from iiv.edit import complete_task, read, set_property
from iiv.errors import BadArgument, IivError
from iiv.followups import FollowUp, due_within, followups
from iiv.template import NewInterview, init_vault, new_interview, new_person
from iiv.vault import Vault, load, vault_root

if TYPE_CHECKING:  # the index, library and server load Whoosh, Flask and waitress: over a
    # second of imports that `iiv done` or `iiv due` must not pay, so the commands import them.
    from iiv.index import SearchResult
    from iiv.library import WriterLock

F = TypeVar("F", bound=Callable[..., Any])
BUILD_WAIT = 300.0  # seconds `iiv search` waits for another iiv building the index


class Group(click.Group):
    """The one error boundary: a user's mistake becomes one line, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except IivError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            where = f" {error.filename}" if error.filename else ""
            raise click.ClickException(f"{error.strerror or error}:{where}") from None


def vault_option(function: F) -> F:
    return click.option(
        "--vault",
        "vault_path",
        envvar="IIV_VAULT",
        default=".",
        show_default="$IIV_VAULT, else the current folder",
        type=click.Path(file_okay=False, path_type=Path),
        help="The vault folder.",
    )(function)


def index_dir_option(function: F) -> F:
    return click.option(
        "--index-dir",
        envvar="IIV_INDEX_DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the index lives (default: a folder per vault in ~/.cache/iiv).",
    )(function)


def json_option(function: F) -> F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")(function)


def day_type(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return parse_date(value)
    except BadDate as error:
        raise click.BadParameter(str(error)) from None


def print_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(name="iiv", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iiv")
def cli() -> None:
    """iiv: informational interviews in plain text.

    Your vault is a folder of Markdown notes: people, interviews, anything else. iiv shows
    what is due (thank-yous, nudges, preparation, keep-in-touch, dated tasks) and never
    changes a file you did not ask it to.
    """


@cli.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def init(path: Path) -> None:
    """Create a vault: folders, templates, settings and a welcome note.

    Files that exist already are left alone.

    \b
    Example:
      iiv init ~/interviews
    """
    created = init_vault(path, date.today())
    for rel in created:
        click.echo(f"created {path}/{rel}")
    if not created:
        click.echo(f"{path} is already a vault: nothing to create")


@cli.group()
def new() -> None:
    """Create a person or an interview note from the vault's templates."""


@new.command("person")
@click.argument("name")
@click.option("--company", help="Where they work.")
@vault_option
def new_person_command(name: str, company: str | None, vault_path: Path) -> None:
    """Create a note for a person; prints its path.

    \b
    Example:
      iiv new person "Ada Lovelace" --company "Analytical Engines"
    """
    vault = load(vault_path)
    click.echo(new_person(vault.root, vault.config, name, company, date.today()))


@new.command("interview")
@click.argument("person")
@click.option("--date", "when", help="When you meet: 2026-12-03 or '2026-12-03 15:30'.")
@click.option(
    "--status",
    help="prospect, requested, scheduled, done, ... (default: scheduled "
    "with --date, else prospect).",
)
@click.option("--medium", help="coffee, video, phone, ...")
@vault_option
def new_interview_command(
    person: str, when: str | None, status: str | None, medium: str | None, vault_path: Path
) -> None:
    """Create an interview note with a person; prints its path.

    \b
    Example:
      iiv new interview "Ada Lovelace" --date "2026-12-03 15:30" --medium coffee
    """
    vault = load(vault_path)
    day, time = _when(when)
    note = NewInterview(person=person, day=day, time=time, status=status, medium=medium)
    click.echo(new_interview(vault.root, vault.config, note, date.today()))
    if not any(vault.resolver.candidates(person)):
        click.echo(f'note: no person note for {person} yet (iiv new person "{person}")', err=True)


def _when(text: str | None) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    try:
        return parse_datetime(text)
    except BadDate as error:
        raise BadArgument(f"--date: {error}") from None


@cli.command()
@click.option("--today", type=day_type, default=date.today, help="Pretend today is this date.")
@click.option(
    "--within",
    default=7,
    show_default=True,
    type=click.IntRange(0, 3660),
    help="Also list what is due in the next N days.",
)
@json_option
@vault_option
def due(today: date, within: int, as_json: bool, vault_path: Path) -> None:
    """List follow-ups: overdue, due today and due in the next days, most urgent first.

    \b
    Example:
      iiv due --within 14
      iiv due --today 2026-12-01 --json
    """
    vault = load(vault_path)
    items = due_within(followups(vault, today), today, within)
    if as_json:
        print_json({"today": today.isoformat(), "items": [i.to_json() for i in items]})
        return
    click.echo(format_due(items, today, within))


def format_due(items: list[FollowUp], today: date, within: int) -> str:
    if not items:
        return f"Nothing due today or in the next {within} days."
    groups = [
        ("Overdue", [i for i in items if i.due < today]),
        (f"Today, {today}", [i for i in items if i.due == today]),
        (f"Next {within} days", [i for i in items if i.due > today]),
    ]
    lines: list[str] = []
    for title, group in groups:
        if group:
            lines.append(f"{title}:" if not lines else f"\n{title}:")
            lines += [
                f"  {i.due}  {i.kind:<13} {i.action}\n{'':16}{i.path}:{i.line}" for i in group
            ]
    return "\n".join(lines)


@cli.command()
@click.argument("target", metavar="NOTE:LINE")
@vault_option
def done(target: str, vault_path: Path) -> None:
    """Complete the task on a line of a note (as listed by `iiv due`).

    \b
    Example:
      iiv done "interviews/2026-11-28 Ada Lovelace.md:24"
    """
    root = vault_root(vault_path)
    rel, line = _note_and_line(root, target)
    _data, digest = read(root, rel)
    complete_task(root, rel, line, digest, date.today())
    click.echo(f"Done: {rel}:{line}")


@cli.command()
@click.argument("note_path", metavar="NOTE")
@click.option(
    "--date", "when", type=day_type, default=date.today, help="When you sent it (default: today)."
)
@vault_option
def thanked(note_path: str, when: date, vault_path: Path) -> None:
    """Record that you sent the thank-you for an interview (sets `thanked:`).

    \b
    Example:
      iiv thanked "interviews/2026-11-28 Ada Lovelace.md" --date 2026-11-29
    """
    root = vault_root(vault_path)
    rel = _vault_relative(root, note_path)
    _data, digest = read(root, rel)
    set_property(root, rel, "thanked", when.isoformat(), digest)
    click.echo(f"Recorded thanked: {when} in {rel}")


def _note_and_line(root: Path, target: str) -> tuple[str, int]:
    path, sep, line = target.rpartition(":")
    if not sep or not line.strip().isdigit():
        raise BadArgument(f"{target}: expected NOTE:LINE, like 'interviews/ada.md:12'")
    return _vault_relative(root, path), int(line)


def _vault_relative(root: Path, note_path: str) -> str:
    """Accept a vault-relative path, or a path to a file inside the vault from here."""
    candidate = Path(note_path).expanduser()
    if candidate.exists():
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            raise BadArgument(f"{note_path} is not inside the vault {root}") from None
    return note_path.replace("\\", "/")


@cli.command()
@json_option
@vault_option
def check(as_json: bool, vault_path: Path) -> None:
    """List every problem in the vault as path:line: message; exit status 1 if there are any.

    \b
    Example:
      iiv check
      iiv check --json
    """
    vault = load(vault_path)
    problems = vault.problems
    if as_json:
        print_json({"items": [p.to_json() for p in problems]})
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(_check_summary(vault), err=bool(problems))
    if problems:
        sys.exit(1)


def _check_summary(vault: Vault) -> str:
    count = len(vault.problems)
    notes = len(vault.notes)
    if not count:
        return f"No problems in {notes} notes."
    return f"{count} problem{'s' if count != 1 else ''} in {notes} notes."


@cli.command()
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
    from iiv.library import Library, WriterLock, index_folder

    _log_to_stderr()
    # The lock first: a library opened before it may describe an index since replaced.
    lock = WriterLock(index_folder(vault_root(vault_path), index_dir))
    if not _acquire(lock):
        click.echo(
            "another iiv (iiv serve, or an iiv index still running) is keeping this "
            "vault's index up to date: nothing to do"
            + (" (stop it to rebuild)" if rebuild else ".")
        )
        return
    library = Library.open(vault_path, index_dir)
    try:
        started = time.monotonic()
        with _progress("Reading notes") as progress:
            stats = (library.rebuild if rebuild else library.sync)(progress=progress)
        took = time.monotonic() - started
        click.echo(
            f"{library.indexed} notes indexed: {stats.added} added, "
            f"{stats.modified} modified, {stats.removed} removed ({took:.1f} s)"
        )
    finally:
        lock.release()
        library.close()


def _acquire(lock: WriterLock) -> bool:
    if lock.acquire(timeout=0):
        return True
    click.echo("waiting for another iiv writing this index...", err=True)
    return lock.acquire(timeout=5)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar that appears only for long work (a few hundred notes or more)."""
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total >= 500:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@cli.command()
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
    _log_to_stderr()
    result = _search(vault_path, index_dir, query, limit, page)
    if as_json:
        print_json(result.to_json())
        return
    click.echo(format_search(result))


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
    from iiv.library import Library, WriterLock, index_folder

    # The lock first: a library opened before it may describe an index since replaced.
    lock = WriterLock(index_folder(vault_root(vault_path), index_dir))
    writer = lock.acquire(timeout=0)  # else iiv serve (or index) keeps the index fresh
    try:
        library = Library.open(vault_path, index_dir)
        try:
            if writer:
                library.sync()
            elif library.index.needs_rebuild:
                return None
            return library.search(query, limit=limit, page=page)
        except IivError:
            if writer:
                raise
            return None  # the writer replaced the index while it was read: open it again
        finally:
            library.close()
    finally:
        lock.release()


def format_search(result: SearchResult) -> str:
    if not result.hits:
        hint = f" Did you mean: {result.suggestion}?" if result.suggestion else ""
        return f"No notes match {result.query!r}.{hint}"
    lines = [f"{result.total} note{'s' if result.total != 1 else ''} match {result.query!r}:"]
    for hit in result.hits:
        snippet = html.unescape(re.sub(r"</?mark>", "", hit.snippet)).replace("\n", " ")
        lines += [f"\n{hit.title}  ({hit.kind}, {hit.path})", f"  {snippet[:200]}"]
    if result.pages > 1:
        lines.append(f"\npage {result.page} of {result.pages} (--page N for more)")
    return "\n".join(lines)


@cli.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; other than loopback needs --allow-remote.",
)
@click.option("--port", default=8765, show_default=True, type=click.IntRange(0, 65535))
@click.option("--no-watch", is_flag=True, help="Do not watch the vault for changes.")
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Allow a non-loopback --host; every request then needs the access token.",
)
@index_dir_option
@vault_option
def serve(
    host: str,
    port: int,
    no_watch: bool,
    allow_remote: bool,
    index_dir: Path | None,
    vault_path: Path,
) -> None:
    """Serve the dashboard and JSON API on localhost, keeping the index in sync.

    \b
    Example:
      iiv serve --vault ~/interviews
      iiv serve --vault vault-example --port 8800
    """
    from iiv.server import ServeOptions, Server

    _log_to_stderr()
    token = secrets.token_urlsafe(24) if allow_remote else None
    options = ServeOptions(
        vault=vault_path,
        host=host,
        port=port,
        index_dir=index_dir,
        watch=not no_watch,
        allow_remote=allow_remote,
        token=token,
    )
    server = Server(options)
    url = server.url + (f"?token={token}" if token else "")
    click.echo(f"iiv is serving {server.library.root} at {url}  (Ctrl+C to stop)")
    server.run()


def _log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="iiv: %(message)s", stream=sys.stderr)
    logging.getLogger("waitress").setLevel(logging.WARNING)


def main() -> None:
    cli(prog_name="iiv")
