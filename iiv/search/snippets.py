"""What a search result shows of a note: its text without the Markdown, matches marked.

`plain` turns a note's body into the text a reader sees (no `##`, `**`, `- [ ]` or link
brackets), once, when the note is indexed; `snippet` cuts the stretch of it that holds the
most query terms, as HTML: escaped, with each match in <mark>. Both are engine-neutral.
"""

from __future__ import annotations

import html
import re

from iiv.search.analysis import Analysis

SNIPPET_CHARS = 200
SNIPPET_CONTEXT = 60  # characters shown before a match
MOST_MATCHES = 50  # a snippet stops looking for matches after this many

FENCE_RE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}).*$", re.MULTILINE)
COMMENT_RE = re.compile(r"%%.*?%%|<!--.*?-->", re.DOTALL)
RULE_RE = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$", re.MULTILINE)
TABLE_RULE_RE = re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE)
# at a line's start: quote marks, then a heading's hashes or a list item's marker and task box
LINE_START_RE = re.compile(
    r"^[ \t]*(?:>[ \t]?)*[ \t]*(?:#{1,6}(?=[ \t]|$)|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)"
    r"(?:[ \t]+\[.\](?=[ \t]|$))?)?[ \t]*",
    re.MULTILINE,
)
HEADING_END_RE = re.compile(r"[ \t]+#+[ \t]*$", re.MULTILINE)
# No `[` inside a label or target: on a line of unclosed `![` each would scan to the line's end
# (quadratic: 100 KB of them took minutes to index)
IMAGE_OR_LINK_RE = re.compile(r"!?\[([^\[\]\n]*)\](?:\([^)\n]*\)|\[[^\[\]\n]*\])")
WIKILINK_RE = re.compile(r"!?\[\[([^\[\]|\n]*?)(?:\|([^\[\]\n]*))?\]\]")
AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^>\s]*)>")
FOOTNOTE_RE = re.compile(r"\[\^[^\[\]\s]+\]:?")
BLOCK_ID_RE = re.compile(r"[ \t]\^[A-Za-z0-9-]+[ \t]*$", re.MULTILINE)
# emphasis delimiters: a run of *, ~~ or == that touches a word on one side only, and _ the same
# outside words (snake_case keeps its underscores), as CommonMark's flanking rules have it
EMPHASIS_RE = re.compile(
    r"(?<![\w*~=\\])(?:\*+|~~|==)(?=[^\s*~=])|(?<=[^\s*~=\\])(?:\*+|~~|==)(?![\w*~=])"
    r"|(?<![\w_\\])_+(?=[^\s_])|(?<=[^\s_\\])_+(?![\w_])|(?<!\\)`+"
)
ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain(markdown: str) -> str:
    """The text of a note's Markdown body as a reader sees it, on one line."""
    text = COMMENT_RE.sub(" ", markdown)
    text = FENCE_RE.sub("", text)
    text = RULE_RE.sub("", text)
    text = TABLE_RULE_RE.sub("", text)
    text = LINE_START_RE.sub("", text)
    text = HEADING_END_RE.sub("", text)
    text = BLOCK_ID_RE.sub("", text)
    text = WIKILINK_RE.sub(_wikilink_text, text)
    text = IMAGE_OR_LINK_RE.sub(r"\1", text)
    text = AUTOLINK_RE.sub(r"\1", text)
    text = FOOTNOTE_RE.sub("", text)
    text = EMPHASIS_RE.sub("", text)
    text = ESCAPE_RE.sub(r"\1", text)
    return " ".join(text.split())


def _wikilink_text(found: re.Match[str]) -> str:
    """What Obsidian shows for a wikilink: its label, else its target (`note > heading`)."""
    if found.group(2):
        return found.group(2)
    return " > ".join(part for part in found.group(1).split("#") if part)


def opening(text: str) -> str:
    """The start of the text as HTML, cut at a space after SNIPPET_CHARS at most."""
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS]) + "…"


Match = tuple[int, int, str]  # start, end, term


def snippet(text: str, terms: frozenset[str], analysis: Analysis) -> str:
    """The stretch of `text` (SNIPPET_CHARS at most) matching the most query terms, as HTML:
    escaped, matches in <mark>, cut ends shown by "…". Empty when no word matches.

    Stops looking once one match of every term is found, or after MOST_MATCHES matches.
    """
    matches: list[Match] = []
    seen: set[str] = set()
    for term, _, start, end in analysis.spans(text):
        if term in terms:
            matches.append((start, end, term))
            seen.add(term)
            if len(seen) == len(terms) or len(matches) >= MOST_MATCHES:
                break
    if not matches:
        return ""
    begin, end, inside = _window(text, matches)
    return _mark(text, begin, end, inside)


def _window(text: str, matches: list[Match]) -> tuple[int, int, list[Match]]:
    """The window starting a little before some match that holds the most distinct terms."""
    best: tuple[int, int, list[Match]] = (-1, 0, [])
    for number, (start, _, _) in enumerate(matches):
        begin = max(0, start - SNIPPET_CONTEXT)
        inside = [m for m in matches[number:] if m[1] - begin <= SNIPPET_CHARS]
        score = len({term for _, _, term in inside})
        if score > best[0]:
            best = (score, begin, inside)
    _, begin, inside = best
    end = min(len(text), begin + SNIPPET_CHARS)
    if begin > 0 and text[begin - 1].isalnum():  # do not start in the middle of a word
        space = text.find(" ", begin, inside[0][0])
        begin = space + 1 if space >= 0 else inside[0][0]
    if end < len(text) and text[end].isalnum():
        space = text.rfind(" ", inside[-1][1], end)
        end = space if space >= 0 else inside[-1][1]
    if not re.search(r"\w", text[:begin]):
        begin = 0
    if not re.search(r"\w", text[end:]):
        end = len(text)
    return begin, end, inside


def _mark(text: str, begin: int, end: int, inside: list[Match]) -> str:
    """The window as HTML; overlapping matches (CJK pairs) are marked as one."""
    parts: list[str] = []
    last = marked = begin
    for start, stop, _ in inside:
        if stop > end:
            break
        if start < last:  # overlaps the previous match: extend its mark
            if stop > last:
                parts[-1] = f"<mark>{html.escape(text[marked:stop])}</mark>"
                last = stop
            continue
        marked = start
        parts += [html.escape(text[last:start]), f"<mark>{html.escape(text[start:stop])}</mark>"]
        last = stop
    parts.append(html.escape(text[last:end]))
    before = "…" if begin > 0 else ""
    after = "…" if end < len(text) else ""
    return before + "".join(parts).strip() + after
