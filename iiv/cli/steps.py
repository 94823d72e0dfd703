"""The steps of a conversation from the terminal, and taking them back.

`iiv done`, `request`, `schedule`, `nudged`, `status`, `thanked`, `contacted`, `undo`. A NOTE is
a vault path, an interview's file name, or a person's name or alias: then the latest
conversation with them that the step applies to. Every change goes into the undo journal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import click

from iiv import formats, shapes
from iiv.actions import STATUS_STEPS, STEPS, Details
from iiv.applied import Applied, apply
from iiv.cache import index_folder
from iiv.cli.base import (
    F,
    day_type,
    index_dir_option,
    json_option,
    print_json,
    vault_option,
    vault_relative,
)
from iiv.config import Config
from iiv.dates import BadDate, parse_datetime
from iiv.edit import read
from iiv.errors import BadArgument, EditRefused
from iiv.followups import KINDS, NOT_RECORDED, followups
from iiv.journal import Journal, undo
from iiv.names import find_conversation, find_person
from iiv.snapshot import Vault
from iiv.vault import load, load_config, vault_root

RECENT = 20  # changes `iiv undo --list` shows


@dataclass(frozen=True)
class Where:
    """The vault a command works on, and its undo journal."""

    root: Path
    config: Config
    journal: Journal

    @classmethod
    def open(cls, vault_path: Path, index_dir: Path | None) -> Where:
        root = vault_root(vault_path)
        return cls(root, load_config(root)[0], Journal(index_folder(root, index_dir)))

    def vault(self) -> Vault:
        return load(self.root)

    def run(self, rel: str, name: str, details: Details) -> Applied:
        _data, digest = read(self.root, rel, self.config)
        return apply(self.root, rel, name, details, digest, self.journal, self.config)


def date_option(help_text: str) -> Callable[[F], F]:
    def decorate(function: F) -> F:
        return click.option(
            "--date",
            "when",
            type=day_type,
            default=date.today,
            help=f"{help_text} (default: today).",
        )(function)

    return decorate


def _moment(value: str) -> tuple[date, str | None]:
    try:
        return parse_datetime(value)
    except BadDate as error:
        raise click.BadParameter(str(error)) from None


def _moment_type(value: str | tuple[date, str | None]) -> tuple[date, str | None]:
    return value if isinstance(value, tuple) else _moment(value)


def common(function: F) -> F:
    for option in (vault_option, index_dir_option, json_option):
        function = option(function)
    return function


def _show(done: Applied, as_json: bool) -> None:
    if as_json:
        print_json(done.to_json())
    else:
        click.echo(formats.applied(done))


def _conversation(where: Where, text: str, name: str) -> str:
    """The note a NOTE argument means for step `name`: a path as typed, else by name."""
    rel = _existing_note(where.root, text)
    return rel or find_conversation(where.vault(), text, STEPS[name]).path


def _existing_note(root: Path, text: str) -> str | None:
    rel = vault_relative(root, text)
    return rel if rel.lower().endswith(".md") and (root / rel).is_file() else None


def _step_command(name: str, text: str, details: Details, opts: dict[str, Any]) -> None:
    where = Where.open(opts["vault_path"], opts["index_dir"])
    _show(where.run(_conversation(where, text, name), name, details), opts["as_json"])


@click.command()
@click.argument("note", metavar="NOTE")
@date_option("When you sent the request")
@common
def request(note: str, when: date, **opts: Any) -> None:
    """Record that you asked for a conversation (status: requested, requested: DATE).

    NOTE is an interview note, or a person: their latest prospect conversation.

    \b
    Example:
      iiv request "Chiara Bianchi" --date 2026-11-20
    """
    _step_command("request", note, Details(when), opts)


@click.command()
@click.argument("note", metavar="NOTE")
@click.option(
    "--date",
    "when",
    required=True,
    type=_moment_type,
    help="When you meet: 2026-12-10, 2026-12-10T14:00 or '2026-12-10 14:00'.",
)
@click.option("--medium", help="coffee, video, phone, ...")
@click.option("--location", help="Where you meet.")
@common
def schedule(
    note: str,
    when: tuple[date, str | None],
    medium: str | None,
    location: str | None,
    **opts: Any,
) -> None:
    """They said yes, or a new date: status: scheduled and the date (medium, location if given).

    NOTE is an interview note, or a person: their latest conversation that can be scheduled.
    A request's answer is recorded too (answered: today), for the reply-time numbers.

    \b
    Example:
      iiv schedule "Chiara Bianchi" --date 2026-12-10T14:00 --medium video
    """
    day, time = when
    details = Details(day, time, medium, location, answered=date.today())
    _step_command("schedule", note, details, opts)


@click.command()
@click.argument("note", metavar="NOTE")
@date_option("When you sent the nudge")
@common
def nudged(note: str, when: date, **opts: Any) -> None:
    """Record the one polite follow-up to an unanswered request (nudged: DATE).

    The request's date is kept; the no-reply reminder now counts from the nudge.

    \b
    Example:
      iiv nudged "Chiara Bianchi"
    """
    _step_command("nudged", note, Details(when), opts)


def _settable(ctx: click.Context, param: click.Parameter, value: str) -> str:
    if value == "scheduled":
        raise click.BadParameter(
            "a scheduled conversation has a date: iiv schedule NOTE --date DATE"
        )
    if value not in STATUS_STEPS:
        known = ", ".join(STATUS_STEPS)
        raise click.BadParameter(f"{value!r} is not one of {known}")
    return value


@click.command()
@click.argument("note", metavar="NOTE")
@click.argument("status", metavar="STATUS", callback=_settable)
@date_option(
    "The day it records: the request sent, the answer (declined), the conversation (done,"
    " when it has no date)"
)
@common
def status(note: str, status: str, when: date, **opts: Any) -> None:
    """Set a conversation's status: requested, declined, no-reply, cancelled or done.

    To schedule one, use `iiv schedule`, which also records the date.

    \b
    Example:
      iiv status "Oluwaseun Adeyemi" no-reply
      iiv status "interviews/2026-12-03 Kenji Watanabe.md" done
    """
    answered = when if status == "declined" else None  # the day the answer came
    _step_command(STATUS_STEPS[status], note, Details(when, answered=answered), opts)


@click.command()
@click.argument("note", metavar="NOTE")
@date_option("When you sent it")
@common
def thanked(note: str, when: date, **opts: Any) -> None:
    """Record the thank-you for a conversation (thanked: DATE; ticks an open thank-you task).

    NOTE is an interview note, or a person: their latest done conversation not yet thanked.

    \b
    Example:
      iiv thanked "Lucía Fernández" --date 2026-11-29
    """
    _step_command("thanked", note, Details(when), opts)


@click.command()
@click.argument("person", metavar="PERSON")
@date_option("When you were in touch")
@common
def contacted(person: str, when: date, **opts: Any) -> None:
    """Record that you were in touch with someone (last_contact: DATE on their note).

    \b
    Example:
      iiv contacted "Farah Haddad" --date 2026-11-30
    """
    where = Where.open(opts["vault_path"], opts["index_dir"])
    rel = _existing_note(where.root, person) or find_person(where.vault(), person).path
    _show(where.run(rel, "contacted", Details(when)), opts["as_json"])


@click.command()
@click.argument("target", metavar="NOTE:LINE")
@click.option(
    "--kind",
    type=click.Choice(KINDS),
    help="Which row, when several of `iiv due` share that line.",
)
@date_option("The date it records")
@common
def done(target: str, kind: str | None, when: date, **opts: Any) -> None:
    """Complete a row of `iiv due`, whatever its kind: tick the task, or record the thank-you,
    the nudge, the no-reply, the meeting or the contact.

    \b
    Example:
      iiv done "interviews/2026-11-28 Lucía Fernández.md:5"
    """
    where = Where.open(opts["vault_path"], opts["index_dir"])
    rel, line = _note_and_line(where.root, target)
    name = _completing_step(where, rel, line, when, kind)
    details = Details(when, line=line if STEPS[name].kind == "note" else None)
    _show(where.run(rel, name, details), opts["as_json"])


def _completing_step(where: Where, rel: str, line: int, day: date, kind: str | None) -> str:
    """The step that completes the follow-up `iiv due` lists at rel:line (a task's if none)."""
    vault = where.vault()
    if rel not in vault.notes:
        read(where.root, rel, where.config)  # says why: not a note, outside the vault, ...
    found = [i for i in followups(vault, day) if (i.path, i.line) == (rel, line)]
    found = [i for i in found if kind in (None, i.kind)]
    kinds = sorted({i.kind for i in found})
    if len(kinds) > 1:
        raise BadArgument(f"{rel}:{line} holds {len(kinds)} rows ({', '.join(kinds)}): add --kind")
    if not found:
        return "complete"  # a task without a date is no row, and can still be ticked
    if found[0].step is None:
        why = NOT_RECORDED.get(found[0].kind, "nothing in the note records it")
        raise EditRefused(f"{rel}:{line}: {why}")
    return found[0].step


def _note_and_line(root: Path, target: str) -> tuple[str, int]:
    path, sep, line = target.rpartition(":")
    if not sep or not line.strip().isdigit():
        raise BadArgument(f"{target}: expected NOTE:LINE, like 'interviews/ada.md:12'")
    return vault_relative(root, path), int(line)


@click.command("undo")
@click.argument("change", type=click.IntRange(1), required=False)
@click.option("--list", "listing", is_flag=True, help="Show the recent changes instead.")
@common
def undo_command(change: int | None, listing: bool, **opts: Any) -> None:
    """Take back the latest change iiv made in this vault (or change ID), from the terminal or
    the dashboard, if the note still holds exactly what iiv wrote.

    \b
    Example:
      iiv undo
      iiv undo --list
      iiv undo 12
    """
    where = Where.open(opts["vault_path"], opts["index_dir"])
    if listing:
        entries = where.journal.recent(RECENT)
        if opts["as_json"]:
            print_json(shapes.items(entries))
        else:
            click.echo(formats.journal(entries))
        return
    entry = undo(where.root, where.journal, change, where.config)
    if opts["as_json"]:
        print_json({"undone": entry.id, "path": entry.path, "summary": entry.summary})
    else:
        click.echo(f"Undone: {entry.summary} ({entry.path})")


COMMANDS = (done, request, schedule, nudged, status, thanked, contacted, undo_command)
