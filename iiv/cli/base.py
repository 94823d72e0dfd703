"""What every command shares: the `iiv` group with its one error boundary, and the options."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from iiv import __version__
from iiv.config import SEARCH_ENGINES
from iiv.dates import BadDate, parse_date
from iiv.errors import BadArgument, IivError
from iiv.vault import chosen_vault

F = TypeVar("F", bound=Callable[..., Any])
WHOLE_SENTENCE = 1_000  # characters: a command's summary in `iiv --help` is never cut
PROGRESS_FROM = 500  # items: shorter work finishes before a bar would be worth drawing


class Group(click.Group):
    """The one error boundary: a user's mistake becomes one line, never a traceback; and
    `--help` lists each command with its whole first sentence, wrapped, never cut with "..."."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=WHOLE_SENTENCE)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        with usage_in_one_line():  # `iiv --bogus`
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with usage_in_one_line():  # a command's own options and arguments
                return super().invoke(ctx)
        except IivError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            reason = error.strerror or str(error)
            message = f"{reason}: {error.filename}" if error.filename else reason
            raise click.ClickException(message) from None


@contextmanager
def usage_in_one_line() -> Iterator[None]:
    """A usage error as one line that says where help is (click's own adds the usage line and
    a blank one); its exit status stays 2."""
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:
        raise  # `iiv new` alone: the help, as asked
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx else "iiv"
        message = error.format_message().removesuffix(".")
        raise click.UsageError(f"{message} (see {where} --help)") from None


@click.group(name="iiv", cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="iiv")
def cli() -> None:
    """iiv: informational interviews in plain text.

    Your vault is a folder of Markdown notes: people, interviews, anything else. iiv shows
    what is due (thank-yous, nudges, preparation, keep-in-touch, dated tasks) and never
    changes a file you did not ask it to.
    """


def vault_option(function: F) -> F:
    return click.option(
        "--vault",
        "vault_path",
        envvar="IIV_VAULT",
        default=".",
        show_default="$IIV_VAULT, else the current folder",
        type=click.Path(file_okay=False, path_type=Path),
        callback=_checked_vault,
        help="The vault folder.",
    )(function)


def _checked_vault(ctx: click.Context, param: click.Parameter, value: Path) -> Path:
    """The --vault folder as given, once it is known to look like a vault (else one line
    saying how to choose one)."""
    chosen_vault(value)
    return value


def index_dir_option(function: F) -> F:
    return click.option(
        "--index-dir",
        envvar="IIV_INDEX_DIR",
        type=click.Path(file_okay=False, path_type=Path),
        help="Where the index lives (default: a folder per vault in ~/.cache/iiv).",
    )(function)


def engine_option(function: F) -> F:
    return click.option(
        "--engine",
        envvar=["IIV_ENGINE", "IIV_SEARCH_ENGINE"],  # the second: its name in #13, still read
        type=click.Choice(list(SEARCH_ENGINES)),
        help="The full-text search engine (default: search_engine in iiv.yaml, else whoosh); "
        'tantivy, for very large vaults, needs pip install "iiv[fast]".',
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


def vault_relative(root: Path, note_path: str) -> str:
    """Accept a vault-relative path, or a path to a file inside the vault from here."""
    candidate = Path(note_path).expanduser()
    if candidate.exists():
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            raise BadArgument(f"{note_path} is not inside the vault {root}") from None
    return note_path.replace("\\", "/")


def log_to_stderr() -> None:
    logging.basicConfig(level=logging.INFO, format="iiv: %(message)s", stream=sys.stderr)
    logging.getLogger("waitress").setLevel(logging.WARNING)


@contextmanager
def progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar that appears only for long work (a few hundred items or more)."""
    bar: Any = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total >= PROGRESS_FROM:
            bar = click.progressbar(length=total, label=label, file=sys.stderr)
            bar.__enter__()
        if bar is not None:
            bar.update(done - bar.pos)

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def write_output(data: bytes, out: Path | None) -> None:
    """Print `data`, or write it to `out` whole: a temporary file beside it, then a rename."""
    if out is None:
        click.echo(data, nl=False)  # bytes go to the binary stream as they are
        return
    out = out.expanduser()
    temp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
