"""`iiv calendar`: follow-ups and interviews as an iCalendar file for calendar apps."""

from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import click

from iiv.cli.base import day_type, vault_option, write_output
from iiv.ics import FeedOptions, build_calendar, dashboard_page, time_zone
from iiv.vault import load

DASHBOARD = "http://127.0.0.1:8765/"


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the calendar to this file (default: print it).",
)
@click.option(
    "--within",
    type=click.IntRange(0, 3660),
    help="Only what falls due by N days from today (overdue included); default: everything.",
)
@click.option("--todo", is_flag=True, help="Also write follow-ups as tasks (VTODO).")
@click.option("--today", type=day_type, default=date.today, help="Pretend today is this date.")
@click.option(
    "--dashboard",
    default=DASHBOARD,
    show_default=True,
    help="The dashboard address that events link to.",
)
@vault_option
def calendar(
    out: Path | None, within: int | None, todo: bool, today: date, dashboard: str, vault_path: Path
) -> None:
    """Write follow-ups (all-day events) and interviews (timed events) as an iCalendar file.

    Event UIDs stay the same from one run to the next, so a calendar that imports the file
    again updates its events instead of doubling them. To subscribe to a feed that stays up
    to date, use the Calendar page of `iiv serve`.

    \b
    Example:
      iiv calendar --out ~/interviews.ics
      iiv calendar --within 30 --todo > due.ics
    """
    vault = load(vault_path)
    options = FeedOptions(
        today=today,
        now=datetime.now(timezone.utc),
        zone=time_zone(vault.config),
        page_url=dashboard_page(dashboard),
        within=within,
        todo=todo,
        name=f"iiv: {vault.root.name}",
    )
    write_output(build_calendar(vault, options), out)
    if out:
        click.echo(f"wrote {out}", err=True)


COMMANDS = (calendar,)
