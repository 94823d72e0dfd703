"""A note's body as safe HTML: Markdown with raw HTML off, wikilinks, and task buttons.

`MarkdownIt("js-default")` escapes raw HTML and refuses `javascript:`, `vbscript:`, `file:`
and `data:` links. Wikilinks become links to the resolved note's page; an open task's
checkbox becomes a small POST form that completes it through the safe edit.

Rendering Markdown is the costly part, and depends only on the body: its HTML is kept by the
body's hash, with a hole for each wikilink and checkbox, which each view fills from the vault
as it is now (where a link leads, the form's token and hash). The renderer's work on one note
is bounded too: on hostile input (thousands of unclosed `[`) markdown-it spends about 0.1 ms
on each, so Markdown stops at MAX_MARKDOWN_CHARS characters or MAX_OPENERS brackets, and the
rest is shown as plain text.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
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
MAX_MARKDOWN_CHARS = 100_000
# `[` that may open a link or an image, after closed wikilinks and checkboxes: each unclosed
# one costs markdown-it a scan ahead (about 0.1 ms); 2,000 of them, about 0.3 s.
MAX_OPENERS = 2_000
CACHE_CHARS = 32_000_000  # rendered HTML kept, in characters, least recently shown dropped
HOLE = "\x00"  # marks a hole in kept HTML: a body never holds NUL (parse_note drops them)
HOLE_RE = re.compile(HOLE + r"(\d+)" + HOLE)


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


@dataclass(frozen=True)
class _Hole:
    """A wikilink (`inner`) or a checkbox (`line`: its line in the body, from 0; `text`: the
    checkbox as written, shown as it is when no task is known on that line)."""

    inner: str | None = None
    line: int = 0
    text: str = ""


@dataclass(frozen=True)
class _Rendered:
    html: str  # with HOLE + number + HOLE where each hole goes
    holes: tuple[_Hole, ...]


def render_body(body: str, context: BodyContext) -> Markup:
    """The body as HTML that is safe to insert as it is."""
    rendered = _RENDERED.get(body)
    if not rendered.holes:
        return Markup(rendered.html)

    def fill(match: re.Match[str]) -> str:
        return _fill(rendered.holes[int(match.group(1))], context)

    return Markup(HOLE_RE.sub(fill, rendered.html))


def markdown_part(body: str) -> int:
    """How much of the body is rendered as Markdown: all of it, or up to the line where
    MAX_MARKDOWN_CHARS characters or MAX_OPENERS possible link openers are passed."""
    limit = len(body)
    if limit > MAX_MARKDOWN_CHARS:
        limit = body.rfind("\n", 0, MAX_MARKDOWN_CHARS) + 1 or MAX_MARKDOWN_CHARS
    if body.count("[", 0, limit) <= MAX_OPENERS:
        return limit
    openers, start = 0, 0
    while start < limit:
        end = body.find("\n", start, limit)
        end = limit if end < 0 else end + 1
        line = body[start:end]
        openers += line.count("[") - 2 * len(WIKILINK_RE.findall(line))
        openers -= 1 if CHECKBOX_RE.search(line) else 0
        if openers > MAX_OPENERS:
            return start
        start = end
    return limit


def _render(body: str) -> _Rendered:
    holes: list[_Hole] = []
    cut = markdown_part(body)
    html = _markdown().render(body[:cut], {"holes": holes})
    if cut < len(body):
        rest = (
            f"The rest of this long note ({len(body) - cut:,} characters) is shown as plain text."
        )
        html += (
            f'<p class="muted">{escape(rest)}</p><pre class="note-rest">{escape(body[cut:])}</pre>'
        )
    return _Rendered(html, tuple(holes))


class _Kept:
    """Rendered bodies by their hash, least recently shown dropped beyond CACHE_CHARS."""

    def __init__(self, render: Callable[[str], _Rendered], budget: int) -> None:
        self._render, self._budget, self._size = render, budget, 0
        self._kept: OrderedDict[str, _Rendered] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, body: str) -> _Rendered:
        key = hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        rendered = self._render(body)  # outside the lock: other pages go on meanwhile
        with self._lock:
            if key not in self._kept:
                self._kept[key] = rendered
                self._size += len(rendered.html)
            while self._size > self._budget and len(self._kept) > 1:
                _, dropped = self._kept.popitem(last=False)
                self._size -= len(dropped.html)
        return rendered

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._size = 0


_RENDERED = _Kept(_render, CACHE_CHARS)


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


def _hole(env: dict[str, Any], hole: _Hole) -> str:
    holes: list[_Hole] = env["holes"]
    holes.append(hole)
    return f"{HOLE}{len(holes) - 1}{HOLE}"


def _render_wikilink(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    return _hole(env, _Hole(inner=tokens[idx].meta["inner"]))


def _task_rule(state: StateCore) -> None:
    """A list item starting `[c] ` gets a checkbox token: whether it is a task, and what its
    button does, is known only when the page is shown (see `_fill`)."""
    tokens = state.tokens
    for index in range(2, len(tokens)):
        token = tokens[index]
        if token.type != "inline" or tokens[index - 2].type != "list_item_open":
            continue
        paragraph = tokens[index - 1]
        if paragraph.type != "paragraph_open" or not paragraph.map or not token.children:
            continue
        first = token.children[0]
        match = CHECKBOX_RE.match(first.content) if first.type == "text" else None
        if match is None:
            continue
        first.content = first.content[match.end() :]
        checkbox = Token("task_checkbox", "", 0)
        checkbox.meta = {"line": paragraph.map[0], "text": match.group(0)}
        token.children.insert(0, checkbox)


def _render_checkbox(
    self: Any, tokens: Sequence[Token], idx: int, options: Any, env: dict[str, Any]
) -> str:
    meta = tokens[idx].meta
    return _hole(env, _Hole(line=meta["line"], text=meta["text"]))


def _fill(hole: _Hole, context: BodyContext) -> str:
    if hole.inner is not None:
        return _link_html(hole.inner, context)
    task = context.tasks.get(hole.line + context.body_line)
    return str(escape(hole.text)) if task is None else _checkbox_html(task, context.task_form)


def _link_html(inner: str, context: BodyContext) -> str:
    link = parse_link(inner)
    if link is None:
        return str(escape(f"[[{inner}]]"))
    url = context.link_url(link)
    if url is None:
        title = escape(f"No note named {link.target}")
        return f'<span class="wikilink unresolved" title="{title}">{escape(link.text)}</span>'
    return f'<a class="wikilink" href="{escape(url)}">{escape(link.text)}</a>'


def _checkbox_html(task: Task, form: TaskForm | None) -> str:
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
