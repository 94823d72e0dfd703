"""Contacts in and out: `iiv import vcard|linkedin|google`, `iiv export vcard`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import click

from iiv import formats, shapes
from iiv.cli.base import json_option, print_json, progress, vault_option, write_output
from iiv.contacts import read_contacts
from iiv.contacts.apply import Imported, apply_plan
from iiv.contacts.plan import Plan, plan_import
from iiv.contacts.vcard import write_vcards
from iiv.snapshot import Vault
from iiv.vault import load


@click.group("import")
def import_group() -> None:
    """Bring people in from address books and LinkedIn: a dry run first, --apply to write.

    A person already in the vault is matched by LinkedIn profile, then e-mail, then name or
    alias; they only gain the properties their note lacks, and where the file disagrees the
    vault's value is kept (and said). The others become new notes from the person template.
    """


def _import_options(function: Callable[..., Any]) -> Callable[..., Any]:
    function = click.option(
        "--apply", "apply_", is_flag=True, help="Write the notes (default: only show the plan)."
    )(function)
    return vault_option(json_option(function))


def _run_import(
    kind: str, files: tuple[Path, ...], apply_: bool, as_json: bool, vault_path: Path
) -> None:
    vault = load(vault_path)
    found = [(str(path), read_contacts(kind, _read(path), str(path))) for path in files]
    plan = plan_import(vault, found)
    applied = _apply(vault.root, vault, plan) if apply_ else None
    if as_json:
        print_json(shapes.import_plan(plan, applied))
        return
    if plan.rows:
        click.echo(formats.import_plan(plan))
    click.echo(formats.import_result(applied) if applied else formats.import_summary(plan))


def _read(path: Path) -> bytes:
    return path.expanduser().read_bytes()


def _apply(root: Path, vault: Vault, plan: Plan) -> Imported:
    with progress("Writing notes") as update:
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            update(done, plan.writes)

        return apply_plan(root, vault.config, plan, date.today(), step)


FILES = click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@import_group.command("vcard")
@FILES
@_import_options
def import_vcard(files: tuple[Path, ...], apply_: bool, as_json: bool, vault_path: Path) -> None:
    """Import people from vCard files (2.1, 3.0 or 4.0: Apple, Google, Outlook).

    \b
    Example:
      iiv import vcard contacts.vcf
      iiv import vcard contacts.vcf --apply
    """
    _run_import("vcard", files, apply_, as_json, vault_path)


@import_group.command("linkedin")
@FILES
@_import_options
def import_linkedin(files: tuple[Path, ...], apply_: bool, as_json: bool, vault_path: Path) -> None:
    """Import your LinkedIn connections from the Connections.csv of LinkedIn's data export.

    \b
    Example:
      iiv import linkedin Connections.csv
      iiv import linkedin Connections.csv --apply
    """
    _run_import("linkedin", files, apply_, as_json, vault_path)


@import_group.command("google")
@FILES
@_import_options
def import_google(files: tuple[Path, ...], apply_: bool, as_json: bool, vault_path: Path) -> None:
    """Import people from a Google Contacts CSV export (current or older layout).

    \b
    Example:
      iiv import google contacts.csv
      iiv import google contacts.csv --apply
    """
    _run_import("google", files, apply_, as_json, vault_path)


@click.group("export")
def export_group() -> None:
    """Write the vault's people out for other apps."""


@export_group.command("vcard")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the cards to this file (default: print them).",
)
@vault_option
def export_vcard(out: Path | None, vault_path: Path) -> None:
    """Write every person as a vCard 3.0 card, which Google's and Apple's contacts apps read.

    Importing the file again into the same vault finds everyone as a duplicate.

    \b
    Example:
      iiv export vcard --out people.vcf
    """
    vault = load(vault_path)
    people = sorted(vault.people, key=lambda note: note.path)
    write_output(write_vcards(people).encode("utf-8"), out)
    if out:
        click.echo(f"wrote {len(people)} {formats.plural(len(people), 'card')} to {out}", err=True)


COMMANDS = (import_group, export_group)
