"""Drafts (`/draft/KIND/PATH`): a message ready to copy, a `mailto:` link, the six-point check.

The note is read from disk (its takeaways are in its body); the template is the vault's
`templates/messages/KIND.md` or the built-in one.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, render_template

from iiv.mailto import mailto_url
from iiv.messages import KINDS, Draft, draft, kinds_for, suggested_kind
from iiv.note import Note
from iiv.sixpoint import Check
from iiv.snapshot import Vault
from iiv.template import message_template
from iiv.vault import read_template
from iiv.web.pages import display_day, library, read_note
from iiv.web.partials import NoteLink, note_link
from iiv.web.urls import draft_url

bp = Blueprint("drafts", __name__)
KIND_LABELS = {
    "request": "Request",
    "referral": "Referral request",
    "nudge": "Nudge",
    "thank-you": "Thank-you",
    "report-back": "Report-back",
}


@dataclass(frozen=True)
class DraftLink:
    kind: str
    label: str
    url: str
    current: bool
    suggested: bool


@dataclass(frozen=True)
class DraftPage:
    title: str
    note: NoteLink
    draft: Draft
    mailto: str | None  # None: no address in their note
    checks: list[Check]
    passed: int
    kinds: list[DraftLink]
    template: str  # where the template lives, vault-relative
    own_template: bool


def draft_links(vault: Vault, note: Note, current: str | None = None) -> list[DraftLink]:
    """A link to each kind of message that makes sense for `note`, the suggested one marked."""
    suggested = suggested_kind(vault, note)
    return [
        DraftLink(
            kind, KIND_LABELS[kind], draft_url(kind, note.path), kind == current, kind == suggested
        )
        for kind in kinds_for(vault, note)
    ]


@bp.get("/draft/<kind>/<note:path>")
def draft_page(kind: str, path: str) -> str:
    if kind not in KINDS:
        abort(404)
    lib = library()
    note, _digest = read_note(path, ("interview", "person"))
    vault = lib.snapshot()
    text = message_template(lib.root, lib.config, kind)
    message = draft(vault, note, kind, text, display_day(), lib.config)
    recipient = message.recipient or "them"
    page = DraftPage(
        title=f"{KIND_LABELS[kind]} to {recipient}",
        note=note_link(note),
        draft=message,
        mailto=mailto_url(message.to or "", message.subject, message.body),
        checks=list(message.checks),
        passed=sum(1 for check in message.checks if check.ok),
        kinds=draft_links(vault, note, kind),
        template=f"{lib.config.templates}/messages/{kind}.md",
        own_template=read_template(lib.root, lib.config, f"messages/{kind}") is not None,
    )
    return render_template("draft.html", page=page)
