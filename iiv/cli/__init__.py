"""The `iiv` command: one group, and one module of commands per area, registered here.

Commands are thin: parse options, call one library function, print. To add one, write it in
the module of its area (or a new module with a `COMMANDS` tuple) and list that module below.
"""

from __future__ import annotations

from iiv.cli import calendar, coach, contacts, followups, notes, search, serve, steps, sync, vault
from iiv.cli.base import cli

for _area in (vault, notes, followups, steps, coach, search, calendar, contacts, serve, sync):
    for _command in _area.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="iiv")


__all__ = ["cli", "main"]
