"""`iiv new`: a person or an interview note from the vault's templates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from iiv.cli.base import vault_option
from iiv.dates import BadDate, parse_datetime
from iiv.errors import BadArgument
from iiv.template import NewInterview, new_interview, new_person
from iiv.vault import load


@click.group()
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


COMMANDS = (new,)
