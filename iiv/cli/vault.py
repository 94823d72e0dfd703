"""Commands on the vault as a whole: create one, check it."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from iiv import formats, shapes
from iiv.cli.base import json_option, print_json, vault_option
from iiv.git import in_repository
from iiv.template import init_vault
from iiv.vault import load


@click.command()
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def init(path: Path) -> None:
    """Create a vault: folders, templates, settings and a welcome note.

    Files that exist already are left alone. A .gitignore keeps what is particular to one
    device (Obsidian's workspace, swap files, OS litter) out of git, for iiv sync.

    \b
    Example:
      iiv init ~/interviews
    """
    created = init_vault(path, date.today())
    for rel in created:
        click.echo(f"created {path}/{rel}")
    if not created:
        click.echo(f"{path} is already a vault: nothing to create")
    if created and not in_repository(path):
        click.echo(formats.git_hint(path))


@click.command()
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
        print_json(shapes.items(problems))
    else:
        for problem in problems:
            click.echo(str(problem))
        click.echo(formats.check_summary(len(problems), len(vault.notes)), err=bool(problems))
    if problems:
        sys.exit(1)


COMMANDS = (init, check)
