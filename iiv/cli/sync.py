"""`iiv sync`: the vault on every device, through git."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from iiv.cache import index_folder
from iiv.cli.base import index_dir_option, json_option, print_json, vault_option
from iiv.vault import vault_root


@click.command()
@json_option
@index_dir_option
@vault_option
def sync(as_json: bool, index_dir: Path | None, vault_path: Path) -> None:
    """Commit the vault's changes, bring in the remote's, and push them (git).

    A conflict never stops a sync: when both sides changed the same lines, the note keeps
    this machine's version and the other is written beside it as a conflict copy (listed
    first by iiv check and on the dashboard's Problems page). Without a remote, only commits.
    A remote that cannot be reached leaves a local commit, to push on the next sync: a
    warning, with exit status 0 (1 when there was nothing to commit either).

    \b
    Example:
      iiv sync
      iiv sync --vault ~/interviews --json
    """
    from iiv.gitsync import SyncOptions, machine_name, sync_vault

    root = vault_root(vault_path)
    options = SyncOptions(root, index_folder(root, index_dir), machine_name(os.environ))
    report = sync_vault(options)
    if as_json:
        print_json(report.to_json())
    else:
        click.echo("\n".join(report.lines()))
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.did_nothing:
        sys.exit(1)


COMMANDS = (sync,)
