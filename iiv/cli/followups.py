"""What is due: `iiv due` (completing it: `iiv done`, in `steps`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from iiv import formats, shapes
from iiv.cli.base import day_type, json_option, print_json, vault_option
from iiv.followups import due_within, followups
from iiv.vault import load


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


COMMANDS = (due,)
