"""The method: the LAMP list of employers (`iiv targets`)."""

from __future__ import annotations

from pathlib import Path

import click

from iiv import formats, shapes
from iiv.cli.base import json_option, print_json, vault_option
from iiv.targets import BATCH, LIST_SIZE, targets
from iiv.vault import load


@click.command("targets")
@json_option
@vault_option
def targets_command(as_json: bool, vault_path: Path) -> None:
    """List target employers ranked as the LAMP method does (Motivation, Posting, Advocacy).

    Motivation (0-3) and posting (1-3) come from company notes (type: company); advocacy is
    yes when a person in the vault works there. The top five are the current batch (*).

    \b
    Example:
      iiv targets
      iiv targets --json
    """
    vault = load(vault_path)
    ranked = targets(vault)
    if as_json:
        print_json(shapes.targets(vault, ranked))
        return
    click.echo(formats.targets_table(ranked, BATCH, LIST_SIZE))


COMMANDS = (targets_command,)
