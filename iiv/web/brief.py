"""Brief (`/brief/PATH`): what to know before a conversation, printable.

The same Markdown as `iiv brief`, rendered like a note (raw HTML off, wikilinks to pages).
"""

from __future__ import annotations

from flask import Blueprint, render_template

from iiv.brief import brief, to_markdown
from iiv.links import Link
from iiv.snapshot import Vault
from iiv.vault import read_note as read_from_disk
from iiv.web.pages import library, read_note
from iiv.web.partials import note_link
from iiv.web.render import BodyContext, render_body
from iiv.web.urls import note_url

bp = Blueprint("brief", __name__)


@bp.get("/brief/<note:path>")
def brief_page(path: str) -> str:
    lib = library()
    note, _digest = read_note(path, ("interview",))
    vault = lib.snapshot()

    def body(rel: str) -> str:
        return read_from_disk(lib.root, rel, lib.config.kinds).body

    # the first line, `# Brief: TITLE`, is the page's own heading
    text = to_markdown(brief(vault, note, body)).split("\n", 1)[1]
    html = render_body(text, BodyContext(link_url=lambda link: _link_url(vault, link)))
    return render_template("brief.html", title=note.title, note=note_link(note), body=html)


def _link_url(vault: Vault, link: Link) -> str | None:
    target = vault.notes.get(vault.resolver.resolve(link.target) or "")
    return note_url(target.path, target.kind) if target else None
