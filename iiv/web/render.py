"""A note's body as safe HTML: Markdown with raw HTML off, wikilinks, and task buttons.

`MarkdownIt("js-default")` escapes raw HTML and refuses `javascript:`, `vbscript:`, `file:`
and `data:` links. Wikilinks become links to the resolved note's page; an open task's
checkbox becomes a small POST form that completes it through the safe edit.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token
from markupsafe import Markup, escape

from iiv.links import WIKILINK_RE, Link, parse_link
from iiv.tasks import Task

CHECKBOX_RE = re.compile(r"\[(?P<status>[^\]])\](?: |$)")
# Markdown costs up to ~0.1 ms a character on hostile input (thousands of unclosed `![[`): a
# long note shows its first 100,000 characters as Markdown and the rest as plain text.
MAX_MARKDOWN_CHARS = 100_000


@dataclass(frozen=True)
class TaskForm:
    """Where a task's button posts, and the hidden fields it carries (CSRF token, path, hash)."""

    action: str
    hidden: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BodyContext:
    link_url: Callable[[Link], str | None]  # a resolved note's page, None when unresolved
    body_line: int = 1  # the file line the body starts on
    tasks: Mapping[int, Task] = field(default_factory=dict)  # by file line
    task_form: TaskForm | None = None  # None: checkboxes are shown, not clickable


def render_body(body: str, context: BodyContext) -> Markup:
    """The body as HTML that is safe to insert as it is."""
    if len(body) <= MAX_MARKDOWN_CHARS:
        return Markup(_markdown().render(body, {"iiv": context}))
    cut = body.rfind("\n", 0, MAX_MARKDOWN_CHARS) + 1 or MAX_MARKDOWN_CHARS
    rest = f"The rest of this long note ({len(body) - cut:,} characters) is shown as plain text."
    return Markup(
        _markdown().render(body[:cut], {"iiv": context})
        + f'<p class="muted">{escape(rest)}</p><pre class="note-rest">{escape(body[cut:])}</pre>'
    )


def plain_text(text: str) -> str:
    """A task description or action as it reads: each wikilink replaced by its text."""

    def shown(match: re.Match[str]) -> str:
        link = parse_link(match.group("inner"))
        return link.text if link else match.group(0)

    return WIKILINK_RE.sub(shown, text)


@cache
def _markdown() -> MarkdownIt:
    md = MarkdownIt("js-default")
    md.inline.ruler.before("link", "wikilink", _wikilink_rule)
    md.core.ruler.after("inline", "task_checkbox", _task_rule)
    md.core.ruler.push("demote_headings", _demote_headings)
    md.add_render_rule("wikilink", _render_wikilink)
    md.add_render_rule("task_checkbox", _render_checkbox)
    return md


def _demote_headings(state: StateCore) -> None:
    """`#` in a note becomes <h2>: the page's own <h1> is the note's title."""
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 6)}"


def _wikilink_rule(state: StateInline, silent: bool) -> bool:
    if state.src[state.pos] not in "[!":
        return False
    match = WIKILINK_RE.match(state.src, state.pos)
    if not match:
        return False
    if not silent:
        token = state.push("wikilink", "", 0)
        token.meta = {"inner": match.group("inner")}
    state.pos = match.end()
    return True


def _render_wikilink(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    inner = tokens[idx].meta["inner"]
    link = parse_link(inner)
    if link is None:
        return str(escape(f"[[{inner}]]"))
    url = env["iiv"].link_url(link)
    if url is None:
        title = escape(f"No note named {link.target}")
        return f'<span class="wikilink unresolved" title="{title}">{escape(link.text)}</span>'
    return f'<a class="wikilink" href="{escape(url)}">{escape(link.text)}</a>'


def _task_rule(state: StateCore) -> None:
    context: BodyContext = state.env["iiv"]
    tokens = state.tokens
    for index in range(2, len(tokens)):
        token = tokens[index]
        if token.type != "inline" or tokens[index - 2].type != "list_item_open":
            continue
        paragraph = tokens[index - 1]
        if paragraph.type != "paragraph_open" or not paragraph.map or not token.children:
            continue
        task = context.tasks.get(paragraph.map[0] + context.body_line)
        first = token.children[0]
        match = CHECKBOX_RE.match(first.content) if first.type == "text" else None
        if task is None or match is None:
            continue
        first.content = first.content[match.end() :]
        checkbox = Token("task_checkbox", "", 0)
        checkbox.meta = {"task": task}
        token.children.insert(0, checkbox)


def _render_checkbox(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    task: Task = tokens[idx].meta["task"]
    form: TaskForm | None = env["iiv"].task_form
    if task.is_done:
        return '<span class="check done" role="img" aria-label="Done">✓</span> '
    if not task.is_open:
        return f'<span class="check other">[{escape(task.status)}]</span> '
    if form is None:
        return '<span class="check" role="img" aria-label="Open task"></span> '
    hidden = "".join(
        f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in (*form.hidden, ("line", str(task.line)))
    )
    label = escape(f"Mark done: {plain_text(task.description)}")
    return (
        f'<form class="task-form" method="post" action="{escape(form.action)}">{hidden}'
        f'<button type="submit" class="check" aria-label="{label}" title="Mark done">'
        "</button></form> "
    )
