"""What a search result shows of a note: its text without the Markdown, matches marked.

`plain` turns a note's body into the text a reader sees (no `##`, `**`, `- [ ]` or link
brackets), once, when the note is indexed; `snippet` cuts the stretch of it that holds the
most query terms, as HTML: escaped, with each match in <mark>. Both are engine-neutral.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache

from iiv.search.analysis import BODY, Analysis

SNIPPET_CHARS = 200
SNIPPET_CONTEXT = 60  # characters shown before a match
MOST_MATCHES = 50  # a snippet stops looking for matches after this many
SHOWN_KEPT = 2048  # (text, terms) whose snippet is kept for the next searches

FENCE_RE = re.compile(r"^ {0,3}(?:`{3,}|~{3,}).*$", re.MULTILINE)
COMMENT_RE = re.compile(r"%%.*?%%|<!--.*?-->", re.DOTALL)
RULE_RE = re.compile(r"^ {0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$", re.MULTILINE)
TABLE_RULE_RE = re.compile(r"^\s*\|?(?:\s*:?-+:?\s*\|)+\s*:?-*:?\s*$", re.MULTILINE)
# at a line's start: quote marks, then a heading's hashes or a list item's marker and task box
LINE_START = (
    r"[ \t]*(?:>[ \t]?)*[ \t]*(?:#{1,6}(?=[ \t]|$)|(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)"
    r"(?:[ \t]+\[.\](?=[ \t]|$))?)?[ \t]*"
)
FIRST_LINE_START_RE = re.compile(r"\A" + LINE_START, re.MULTILINE)
# the other lines' starts, from the newline before them (a pattern starting with a character
# is looked for by a fast scan; one starting with `^` is tried at every position of the text),
# and only a line starting with a space, tab or mark: the pattern matches nothing in others
NEXT_LINE_START_RE = re.compile(r"\n(?=[ \t>#*+\-0-9])" + LINE_START, re.MULTILINE)
# the closing hashes of a heading (`## Notes ##`), when a space or tab is before them: the
# space is left, as all whitespace is made one space in the end
HEADING_END_RE = re.compile(r"##*(?=[ \t]*$)", re.MULTILINE)
# No `[` inside a label or target: on a line of unclosed `![` each would scan to the line's end
# (quadratic: 100 KB of them took minutes to index). `(?:!\[|\[)` is `!?\[` in a form whose
# first character is looked for by a fast scan, as is `##*` for `#+` (three times faster).
IMAGE_OR_LINK_RE = re.compile(r"(?:!\[|\[)([^\[\]\n]*)\](?:\([^)\n]*\)|\[[^\[\]\n]*\])")
WIKILINK_RE = re.compile(r"(?:!\[|\[)\[([^\[\]|\n]*?)(?:\|([^\[\]\n]*))?\]\]")
AUTOLINK_RE = re.compile(r"<((?:https?|mailto):[^>\s]*)>")
FOOTNOTE_RE = re.compile(r"\[\^[^\[\]\s]+\]:?")
BLOCK_ID_RE = re.compile(r"[ \t]\^[A-Za-z0-9-]+[ \t]*$", re.MULTILINE)
DELIMITER_RE = re.compile(r"`+|[*_~=]+")  # emphasis, strike, highlight and code marks
ESCAPE_RE = re.compile(r"\\([!-/:-@\[-`{-~])")


def plain(markdown: str) -> str:
    """The text of a note's Markdown body as a reader sees it, on one line.

    Each step runs only on text holding what it looks for (a quick test for a character or
    two): most notes have no comment, fence, table, rule or footnote. A note of 2 KB takes
    about 40 µs.
    """
    text = markdown
    for needed, pattern, replacement in STEPS:
        if needed(text):
            text = pattern.sub(replacement, text)
    return " ".join(text.split())


def _delimiter(found: re.Match[str]) -> str:
    """Nothing for a run of emphasis marks, as CommonMark reads them: `*`, `**`, `_`, `~~` or
    `==` touching a word on one side only (so `snake_case` and `2*3` keep theirs), and any
    backticks; the run itself otherwise, or when escaped by a backslash."""
    run, text, start, end = found.group(), found.string, found.start(), found.end()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if before == "\\" or len(set(run)) > 1:
        return run
    mark = run[0]
    if mark == "`":
        return ""
    if mark in "~=" and run != mark * 2:
        return run
    inside = (lambda c: c.isalnum() or c == "_") if mark == "_" else str.isalnum
    opens = not inside(before) and not after.isspace()
    closes = not before.isspace() and not inside(after)
    return "" if opens or closes else run


def _wikilink_text(found: re.Match[str]) -> str:
    """What Obsidian shows for a wikilink: its label, else its target (`note > heading`)."""
    if found.group(2):
        return found.group(2)
    return " > ".join(part for part in found.group(1).split("#") if part)


Replacement = str | Callable[[re.Match[str]], str]
Needed = Callable[[str], bool]


def _holding(*marks: str) -> Needed:
    """Whether the text holds one of the marks: first its first character (found many times
    faster than a string of two or more)."""
    return lambda text: any(mark[0] in text and mark in text for mark in marks)


def _always(text: str) -> bool:
    return True


def _heading_end(found: re.Match[str]) -> str:
    """Nothing for a heading's closing hashes after a space or tab; the hashes otherwise."""
    start = found.start()
    return "" if start and found.string[start - 1] in " \t" else found.group()


STEPS: tuple[tuple[Needed, re.Pattern[str], Replacement], ...] = (
    (_holding("%%", "<!--"), COMMENT_RE, " "),
    (_holding("```", "~~~"), FENCE_RE, ""),
    (_holding("---", "***", "___", "- -", "* *", "_ _"), RULE_RE, ""),
    (_holding("|"), TABLE_RULE_RE, ""),
    (_always, FIRST_LINE_START_RE, ""),
    (_holding("\n"), NEXT_LINE_START_RE, "\n"),  # the newline it was found by stays
    (_holding("#"), HEADING_END_RE, _heading_end),
    (_holding("^"), BLOCK_ID_RE, ""),
    (_holding("[["), WIKILINK_RE, _wikilink_text),
    (_holding("](", "]["), IMAGE_OR_LINK_RE, r"\1"),
    (_holding("<http", "<mailto"), AUTOLINK_RE, r"\1"),
    (_holding("[^"), FOOTNOTE_RE, ""),
    (_holding("*", "_", "~", "=", "`"), DELIMITER_RE, _delimiter),
    (_holding("\\"), ESCAPE_RE, r"\1"),
)


def opening(text: str) -> str:
    """The start of the text as HTML, cut at a space after SNIPPET_CHARS at most."""
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS]) + "…"


Match = tuple[int, int, str]  # start, end, term


@lru_cache(maxsize=SHOWN_KEPT)
def shown(text: str, terms: frozenset[str]) -> str:
    """What a hit shows of its body's text: the snippet of the body terms a query looks for,
    else the text's opening. Kept for the hits shown most recently: the same search again
    (the next page and back, a refresh, the same words typed again) finds the body's terms
    again in the same text, up to a tenth of a millisecond a note of 2 KB."""
    return (snippet(text, terms, BODY) if terms else "") or opening(text)


def snippet(text: str, terms: frozenset[str], analysis: Analysis) -> str:
    """The stretch of `text` (SNIPPET_CHARS at most) matching the most query terms, as HTML:
    escaped, matches in <mark>, cut ends shown by "…". Empty when no word matches.

    Stops looking once one match of every term is found, or after MOST_MATCHES matches.
    """
    matches: list[Match] = []
    seen: set[str] = set()
    for term, start, end in analysis.matching(text, terms):
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
