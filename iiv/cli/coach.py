"""The method: the LAMP list (`iiv targets`), drafts of its messages (`iiv draft`) and the
numbers (`iiv stats`)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from iiv import formats, shapes
from iiv.applied import record_debrief
from iiv.brief import brief, to_markdown
from iiv.cache import index_folder
from iiv.cli.base import (
    day_type,
    index_dir_option,
    json_option,
    print_json,
    vault_option,
    vault_relative,
)
from iiv.debrief import parse, thank_you_due
from iiv.errors import BadArgument, NoteNotFound
from iiv.journal import Journal
from iiv.messages import KINDS, draft
from iiv.note import Note
from iiv.practice import report
from iiv.snapshot import Vault
from iiv.targets import BATCH, LIST_SIZE, targets
from iiv.template import message_template
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


@click.command("draft")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("note_path", metavar="NOTE")
@click.option("--today", type=day_type, default=date.today, help="Pretend today is this date.")
@json_option
@vault_option
def draft_command(kind: str, note_path: str, today: date, as_json: bool, vault_path: Path) -> None:
    """Draft a message about an interview or a person, with the six-point check.

    KIND is request, nudge, thank-you, report-back or referral. The text comes from the
    vault's templates/messages/KIND.md, else the built-in one.

    \b
    Example:
      iiv draft request "interviews/2026-11-30 Ines Carvalho.md"
      iiv draft thank-you "interviews/2026-11-28 Lucía Fernández.md" --json
    """
    vault = load(vault_path)
    note = note_in(vault, note_path)
    text = message_template(vault.root, vault.config, kind)
    message = draft(vault, note, kind, text, today, vault.config)
    if as_json:
        print_json(message.to_json())
        return
    click.echo(formats.draft(message))


def note_in(vault: Vault, note_path: str) -> Note:
    """The note at a vault path (or a file path inside the vault), with its body."""
    rel = vault_relative(vault.root, note_path)
    note = vault.notes.get(rel)
    if note is None:
        raise NoteNotFound(f"{note_path}: no such note in this vault")
    return note


@click.command("stats")
@click.option("--today", type=day_type, default=date.today, help="Pretend today is this date.")
@json_option
@vault_option
def stats_command(today: date, as_json: bool, vault_path: Path) -> None:
    """The numbers of your practice: reply rate and speed, funnel, months, introductions.

    Boosters answered within 3 business days, Obligates later, Curmudgeons never; the
    method calls a 20-40% reply rate normal.

    \b
    Example:
      iiv stats
      iiv stats --json --today 2026-12-01
    """
    numbers = report(load(vault_path), today)
    if as_json:
        print_json(numbers.to_json())
        return
    click.echo(formats.practice(numbers))


@click.command("brief")
@click.argument("note_path", metavar="NOTE")
@vault_option
def brief_command(note_path: str, vault_path: Path) -> None:
    """Print a brief for a conversation, as Markdown: who they are, what was said before,
    promises open, their employer, and questions (yours, then TIARA suggestions).

    \b
    Example:
      iiv brief "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"
      iiv brief "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md" > brief.md
    """
    vault = load(vault_path)
    note = note_in(vault, note_path)
    if note.kind != "interview":
        raise BadArgument(f"{note.path}: a brief is for an interview note (type: interview)")
    click.echo(to_markdown(brief(vault, note, lambda path: vault.notes[path].body)), nl=False)


@click.command("debrief")
@click.argument("note_path", metavar="NOTE")
@index_dir_option
@vault_option
def debrief_command(note_path: str, index_dir: Path | None, vault_path: Path) -> None:
    """Record what a done conversation gave you, asking in the terminal: takeaways (added
    under ## Takeaways), people they suggested (each a prospect person note and interview),
    and what you promised (tasks with dates under ## Follow-ups).

    \b
    Example:
      iiv debrief "interviews/2026-11-28 Lucía Fernández.md"
    """
    vault = load(vault_path)
    note = note_in(vault, note_path)
    if note.kind != "interview" or note.status != "done":
        raise BadArgument(f"{note.path}: debrief a conversation once it is done (status: done)")
    click.echo(f"Debrief of {note.title}: one item a line, an empty line to go on.")
    takeaways, people, promises = (_ask(question) for question in DEBRIEF_QUESTIONS)
    found = parse(takeaways, people, promises, date.today())
    journal = Journal(index_folder(vault.root, index_dir))
    done = record_debrief(vault, note.path, note.digest, found, journal, date.today())
    click.echo(formats.debrief(done, thank_you_due(note, vault.config)))


DEBRIEF_QUESTIONS = (
    "Takeaways",
    "People they suggested (Name, Company)",
    "What you promised (a date at the end if you like: Send the article 2026-12-05)",
)


def _ask(question: str) -> str:
    click.echo(f"{question}:")
    lines: list[str] = []
    while True:
        line = click.prompt(" ", default="", show_default=False, prompt_suffix="- ")
        if not line.strip():
            return "\n".join(lines)
        lines.append(line)


COMMANDS = (targets_command, draft_command, stats_command, brief_command, debrief_command)
