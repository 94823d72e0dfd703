"""`iiv new`: a person or an interview note from the vault's templates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from iiv.applied import create
from iiv.cache import index_folder
from iiv.cli.base import index_dir_option, vault_option
from iiv.dates import BadDate, parse_datetime
from iiv.errors import BadArgument, NoteNotFound
from iiv.journal import Journal
from iiv.names import find_person, suggestions
from iiv.note import Note
from iiv.snapshot import Vault
from iiv.template import NewInterview, new_interview, new_person
from iiv.vault import load


@click.group()
def new() -> None:
    """Create a person or an interview note from the vault's templates."""


@new.command("person")
@click.argument("name")
@click.option("--company", help="Where they work.")
@index_dir_option
@vault_option
def new_person_command(
    name: str, company: str | None, index_dir: Path | None, vault_path: Path
) -> None:
    """Create a note for a person; prints its path.

    \b
    Example:
      iiv new person "Ada Lovelace" --company "Analytical Engines"
    """
    vault = load(vault_path)
    today = date.today()
    made = create(
        vault.root,
        lambda: new_person(vault.root, vault.config, name, company, today),
        _journal(vault, index_dir),
    )
    click.echo(made.path)


@new.command("interview")
@click.argument("person")
@click.option("--date", "when", help="When you meet: 2026-12-03 or '2026-12-03 15:30'.")
@click.option(
    "--status",
    help="prospect, requested, scheduled, done, ... (default: scheduled "
    "with --date, else prospect).",
)
@click.option("--medium", help="coffee, video, phone, ...")
@index_dir_option
@vault_option
def new_interview_command(
    person: str,
    when: str | None,
    status: str | None,
    medium: str | None,
    index_dir: Path | None,
    vault_path: Path,
) -> None:
    """Create an interview note with a person; prints its path.

    PERSON is a name or alias (case and accents aside); a misspelt one is refused with the
    closest names, and a new one works too (create their note later).

    \b
    Example:
      iiv new interview "Ada Lovelace" --date "2026-12-03 15:30" --medium coffee
    """
    vault = load(vault_path)
    day, time = _when(when)
    known = _person(vault, person)
    name = known.stem if known else person
    note = NewInterview(person=name, day=day, time=time, status=status, medium=medium)
    today = date.today()
    made = create(
        vault.root,
        lambda: new_interview(vault.root, vault.config, note, today),
        _journal(vault, index_dir),
    )
    click.echo(made.path)
    if known is None:
        click.echo(f'note: no person note for {person} yet (iiv new person "{person}")', err=True)


def _person(vault: Vault, text: str) -> Note | None:
    """The person `text` names; None for a new name; refused for a near miss of a known one."""
    try:
        return find_person(vault, text)
    except NoteNotFound as error:
        if suggestions(vault, text, "person"):
            raise NoteNotFound(f'{error} (a new person? iiv new person "{text}" first)') from None
        return None


def _journal(vault: Vault, index_dir: Path | None) -> Journal:
    return Journal(index_folder(vault.root, index_dir))


def _when(text: str | None) -> tuple[date | None, str | None]:
    if not text:
        return None, None
    try:
        return parse_datetime(text)
    except BadDate as error:
        raise BadArgument(f"--date: {error}") from None


COMMANDS = (new,)
