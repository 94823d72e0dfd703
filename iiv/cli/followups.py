"""What is due, and recording that it was done: `iiv due`, `iiv done`, `iiv thanked`."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from iiv import formats, shapes
from iiv.cli.base import day_type, json_option, print_json, vault_option, vault_relative
from iiv.edit import complete_task, read, set_property
from iiv.errors import BadArgument
from iiv.followups import due_within, followups
from iiv.vault import load, vault_root


@click.command()
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
        print_json(shapes.due(today, items))
        return
    click.echo(formats.due_list(items, today, within))


@click.command()
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


@click.command()
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
    rel = vault_relative(root, note_path)
    _data, digest = read(root, rel)
    set_property(root, rel, "thanked", when.isoformat(), digest)
    click.echo(f"Recorded thanked: {when} in {rel}")


def _note_and_line(root: Path, target: str) -> tuple[str, int]:
    path, sep, line = target.rpartition(":")
    if not sep or not line.strip().isdigit():
        raise BadArgument(f"{target}: expected NOTE:LINE, like 'interviews/ada.md:12'")
    return vault_relative(root, path), int(line)


COMMANDS = (due, done, thanked)
