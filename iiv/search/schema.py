"""The Whoosh engine's fields, and the document a note becomes.

Text fields use iiv's analysis (`iiv.search.analysis`): in one pass per value when indexing,
token by token (the same terms and positions) for queries. Whoosh stores this schema, these
classes included, in every index it writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, datetime, time
from typing import Any

from whoosh import columns, fields
from whoosh.analysis import Analyzer as WhooshAnalyzer
from whoosh.analysis import IDAnalyzer, Token

from iiv.note import Note
from iiv.search.analysis import BODY, TEXT
from iiv.search.snippets import plain
from iiv.vault import FileStat

MAX_STORED_BODY = 20_000  # characters of the body kept for snippets
SEARCH_FIELDS = ("title", "names", "body", "company", "role", "people", "tags")


class Analyzer(WhooshAnalyzer):  # type: ignore[misc]
    """Whoosh's face of iiv's analysis: what queries (and Whoosh's own indexing) use."""

    def __init__(self, stemmed: bool) -> None:
        self.stemmed = stemmed

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        analysis = BODY if self.stemmed else TEXT
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:  # a wildcard's or a prefix's text: one term
            spans: Iterable[tuple[str, int, int, int]] = [(analysis.whole(value), 0, 0, len(value))]
        else:
            spans = analysis.spans(value)
        for term, position, start, end in spans:
            token.text, token.boost, token.stopped = term, 1.0, False
            if keeporiginal:
                token.original = value[start:end]
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


_ONE_POSITION: dict[int, bytes] = {}


class Text(fields.TEXT):  # type: ignore[misc]
    """A TEXT field indexed in one pass (`Analysis.positions`); queries use `Analyzer`. A query
    word of several terms (`docs.fennimore.example`, `字节跳动`) is a phrase of them."""

    def __init__(self, stemmed: bool = False, **kwargs: Any) -> None:
        super().__init__(analyzer=Analyzer(stemmed), **kwargs)
        self.multitoken_query = "phrase"
        self.stemmed = stemmed

    def index(self, value: str, **kwargs: Any) -> list[tuple[bytes, int, float, bytes]]:
        """(term, frequency, weight, encoded positions) for each term, as Whoosh's `index`
        gives from the analyzer (a test compares them)."""
        boost, encode, one = self.format.field_boost, self.format.encode, _ONE_POSITION
        found = (BODY if self.stemmed else TEXT).positions(value)
        postings = []
        for term, positions in found.items():
            count = len(positions)
            if count > 1:
                postings.append((term.encode(), count, count * boost, encode(positions)))
                continue
            encoded = one.get(positions[0])
            if encoded is None:
                encoded = one[positions[0]] = encode(positions)
            postings.append((term.encode(), 1, boost, encoded))
        return postings


def make_schema(query_only: bool = False) -> fields.Schema:
    """The index's fields; with `query_only`, also `person`, which queries mean names or people."""
    lowercase_id = IDAnalyzer(lowercase=True)
    schema = fields.Schema(
        path=fields.ID(unique=True, stored=True, sortable=True),
        kind=fields.ID(stored=True, analyzer=lowercase_id),
        title=Text(stored=True, field_boost=3.0),
        names=Text(field_boost=4.0),
        company=Text(),
        role=Text(),
        tags=fields.KEYWORD(lowercase=True, commas=True, scorable=True),
        status=fields.ID(analyzer=lowercase_id),
        medium=fields.KEYWORD(lowercase=True, scorable=True),
        people=Text(),
        date=fields.DATETIME(),
        due=fields.DATETIME(),
        body=Text(stemmed=True, stored=True),
        size=fields.COLUMN(columns.NumericColumn("q")),
        mtime_ns=fields.COLUMN(columns.NumericColumn("q")),
    )
    if query_only:
        schema.add("person", Text())
    return schema


SCHEMA = make_schema()
QUERY_SCHEMA = make_schema(query_only=True)


def document(note: Note, stat: FileStat) -> dict[str, Any]:
    """The fields of a note; the start of the body is what is stored (see `shown`)."""
    due = sorted({task.when for task in note.tasks if task.is_open and task.when})
    people = {text for link in note.people for text in (link.target.rsplit("/", 1)[-1], link.label)}
    values: dict[str, Any] = {
        "path": note.path,
        "kind": note.kind,
        "title": note.title,
        "names": "\n".join(note.names) if note.kind == "person" else None,
        "company": note.company,
        "role": note.role,
        "tags": ",".join(note.tags),
        "status": note.status,
        "medium": note.medium,
        "people": "\n".join(sorted(p for p in people if p)),
        "date": _midnight(note.date) if note.date else None,
        "due": [_midnight(day) for day in due],
        "body": note.body,
        "size": stat.size,
        "mtime_ns": stat.mtime_ns,
    }
    made = {key: value for key, value in values.items() if value not in (None, "", [])}
    if len(note.body) > MAX_STORED_BODY:
        made["_stored_body"] = note.body[:MAX_STORED_BODY]
    return made


def shown(stored: dict[str, Any]) -> dict[str, Any]:
    """A note's stored fields as a hit shows them: the body's text without its Markdown.

    Whoosh's engine makes it when a note is shown (its builds stay as fast as they were);
    tantivy's stores it, made when the note is indexed (`tantivy_fields.values`), so that a
    query's first search does not make it for each of its 20 hits."""
    return {**stored, "body": plain(stored.get("body", ""))}


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time())
