"""Two versions of a note side by side, their differences marked: pure, text in, rows out.

Lines are matched with difflib; within a changed line, the words that differ are marked, so
that a one-word change in a long paragraph shows as one word. Work is bounded: past
`MAX_LINES` lines a side, or for very long lines, the versions are shown without marks.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

MAX_LINES = 5000  # lines a side compared; difflib's time grows with their product
MAX_WORDS_LINE = 2000  # characters of a changed line compared word by word
WORD_RE = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class Piece:
    text: str
    changed: bool


@dataclass(frozen=True)
class Side:
    """One side of a row: the line's number and its pieces; None when the other side has a
    line here and this one has none."""

    number: int
    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Row:
    kind: str  # same, changed, only-this, only-other
    this: Side | None
    other: Side | None


@dataclass(frozen=True)
class Comparison:
    rows: tuple[Row, ...]
    differences: int  # rows that are not the same
    marked: bool  # False when the versions were too long to compare


def compare(this: str, other: str) -> Comparison:
    a, b = this.splitlines(), other.splitlines()
    if len(a) > MAX_LINES or len(b) > MAX_LINES:
        return _unmarked(a, b)
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            rows += [_same(a, b, i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)]
        else:
            rows += _changed(a[i1:i2], b[j1:j2], i1, j1)
    differences = sum(1 for row in rows if row.kind != "same")
    return Comparison(tuple(rows), differences, True)


def _same(a: list[str], b: list[str], i: int, j: int) -> Row:
    return Row("same", _side(i, a[i]), _side(j, b[j]))


def _side(index: int, text: str, changed: bool = False) -> Side:
    return Side(index + 1, (Piece(text, changed),))


def _changed(a: list[str], b: list[str], i: int, j: int) -> list[Row]:
    """Changed lines paired up, word by word; the rest of the longer side alone."""
    rows = []
    for k in range(max(len(a), len(b))):
        left, right = (a[k] if k < len(a) else None), (b[k] if k < len(b) else None)
        if left is not None and right is not None:
            this, other = _words(left, right)
            rows.append(Row("changed", Side(i + k + 1, this), Side(j + k + 1, other)))
        elif left is not None:
            rows.append(Row("only-this", _side(i + k, left, True), None))
        elif right is not None:
            rows.append(Row("only-other", None, _side(j + k, right, True)))
    return rows


def _words(left: str, right: str) -> tuple[tuple[Piece, ...], tuple[Piece, ...]]:
    if max(len(left), len(right)) > MAX_WORDS_LINE:
        return (Piece(left, True),), (Piece(right, True),)
    a, b = WORD_RE.findall(left), WORD_RE.findall(right)
    this: list[Piece] = []
    other: list[Piece] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b).get_opcodes():
        _add(this, "".join(a[i1:i2]), tag != "equal")
        _add(other, "".join(b[j1:j2]), tag != "equal")
    return tuple(this), tuple(other)


def _add(pieces: list[Piece], text: str, changed: bool) -> None:
    if not text:
        return
    if pieces and pieces[-1].changed == changed:
        pieces[-1] = Piece(pieces[-1].text + text, changed)
    else:
        pieces.append(Piece(text, changed))


def _unmarked(a: list[str], b: list[str]) -> Comparison:
    rows = []
    for k in range(max(len(a), len(b))):
        this = _side(k, a[k]) if k < len(a) else None
        other = _side(k, b[k]) if k < len(b) else None
        rows.append(Row("same", this, other))
    return Comparison(tuple(rows), 0, False)


__all__ = ["Comparison", "Piece", "Row", "Side", "compare"]
