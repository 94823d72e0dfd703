"""The tantivy engine's fields, and the values a note gives them: the same terms as Whoosh's.

Both engines index the same terms: a note's fields are made once (`schema.document`, shared
with the Whoosh engine), then each field's terms come from iiv's own analysis (text fields:
`iiv.search.analysis`) or from the Whoosh field's analyzer (tags, medium, kind, status, path).
Text fields are handed to tantivy as their terms in order, separated by spaces, and split
again on the spaces by tantivy: a term holds no whitespace, so the positions are iiv's, and a
phrase means the same on both engines. Dates are Whoosh's numbers for them (microseconds from
year 1), so a date query's bounds, which Whoosh's query parser computes, fit both.

Pure: no tantivy here, so that build processes can make the values without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from whoosh.util.times import datetime_to_long

from iiv.note import Note
from iiv.search.analysis import ASCII_WORD_RE, BODY, CJK_RE, TEXT, Analysis, ascii_words, word_re
from iiv.search.schema import MAX_STORED_BODY, SCHEMA, document
from iiv.search.snippets import plain
from iiv.vault import FileStat

# Fields split into iiv's terms (the `terms` tokenizer splits them again on spaces), and boosts
TEXT_FIELDS = {"title": 3.0, "names": 4.0, "company": 1.0, "role": 1.0, "people": 1.0, "body": 1.0}
# Fields whose every value is a term (Whoosh's ID and KEYWORD fields)
TERM_FIELDS = ("path", "kind", "tags", "status", "medium")
NUMBER_FIELDS = ("date", "due", "size", "mtime_ns")
SHOWN = ("kind", "title", "text")  # stored only, for a hit: the text, without its Markdown
HAS = "has"  # which fields a note has terms in: what Whoosh's `Every(field)` matches
TOKENIZER = "terms"

Values = dict[str, list[Any]]  # field → values, as `tantivy.Document.from_dict` takes them


def values(note: Note, stat: FileStat) -> Values:
    """Every field of a note, ready for tantivy (plain values: they cross process pipes)."""
    made = document(note, stat)
    found: Values = {}
    for name in TEXT_FIELDS:
        text = made.get(name)
        if text:
            analyzed = sequence(BODY if name == "body" else TEXT, text)
            if analyzed:
                found[name] = [analyzed]
    for name in TERM_FIELDS:
        if name in made:
            terms = [term.decode("utf-8") for term, *_ in SCHEMA[name].index(made[name])]
            if terms:
                found[name] = terms
    for name in ("date", "due"):
        days = made.get(name)
        if days:
            found[name] = [datetime_to_long(day) for day in _listed(days)]
    found["size"], found["mtime_ns"] = [stat.size], [stat.mtime_ns]
    found[HAS] = sorted(set(found) - {"size", "mtime_ns"})
    found["shown_kind"] = [made.get("kind", "note").encode("utf-8")]
    found["shown_title"] = [made.get("title", "").encode("utf-8")]
    # the text a hit shows, made here, in the build's processes, rather than at each first
    # search: from the start of the body Whoosh stores, the same text its hits show
    found["shown_text"] = [plain(note.body[:MAX_STORED_BODY]).encode("utf-8")]
    return found


def sequence(analysis: Analysis, text: str) -> str:
    """The terms of `text` in order, separated by spaces: the same terms at the same positions
    as `Analysis.positions` gives (a test compares them)."""
    if ascii_words(text):
        words = ASCII_WORD_RE.findall(text)  # the same words, three times faster
    elif CJK_RE.search(text):
        return " ".join(term for term, _, _, _ in analysis.spans(text))
    else:
        words = word_re().findall(text)
    return " ".join(filter(None, map(analysis.term, words)))


def _listed(value: datetime | list[datetime]) -> Iterator[datetime]:
    yield from value if isinstance(value, list) else [value]
