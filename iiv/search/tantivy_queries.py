"""iiv's query syntax on tantivy: the query Whoosh's parser reads (`iiv.search.queries.parse`),
the same for both engines, rebuilt from tantivy's queries.

Reading a query with the one parser both engines share keeps its meaning the same on both:
which words go to which fields, how a field's value is analyzed, phrases, prefixes, date
ranges, a query that does not parse. Only the matching is tantivy's. The terms a snippet
marks are read from the same query (`Marks`).
"""

from __future__ import annotations

import fnmatch
import re
from typing import Protocol

import tantivy
from tantivy import FieldType, Occur, Query
from whoosh import query

from iiv.search.tantivy_fields import HAS, TERM_FIELDS, TEXT_FIELDS

# What Rust's regex syntax treats as special (tantivy's regex queries): escaped in terms
RUST_SPECIAL = frozenset("\\.+*?()|[]{}^$#&-~")


class Lexicon(Protocol):
    """The terms the index holds."""

    def holds(self, field: str, term: str) -> bool: ...

    def starting(self, field: str, prefix: str) -> list[tuple[str, int]]:
        """Every term of `field` starting with `prefix`, with the number of notes holding it."""
        ...


class Untranslatable(Exception):
    """A query tantivy cannot run as Whoosh would: its words are searched instead, as Whoosh
    does with a query it chokes on."""


def translate(node: query.Query, schema: tantivy.Schema, lexicon: Lexicon) -> Query:
    """The tantivy query matching the notes the Whoosh query `node` matches.

    `lexicon` lists a field's terms with a prefix, for the rare range over words."""
    found = _translate(node, schema, lexicon)
    return found if node.boost == 1 else Query.boost_query(found, node.boost)


def _translate(node: query.Query, schema: tantivy.Schema, lexicon: Lexicon) -> Query:
    if isinstance(node, query.Not):
        return _excluding(Query.all_query(), [_sub(node.query, schema, lexicon)])
    if isinstance(node, query.And | query.Or):
        return _compound(node, schema, lexicon)
    if isinstance(node, query.AndNot):
        return _excluding(_sub(node.a, schema, lexicon), [_sub(node.b, schema, lexicon)])
    if isinstance(node, query.AndMaybe):
        a, b = _sub(node.a, schema, lexicon), _sub(node.b, schema, lexicon)
        return Query.boolean_query([(Occur.Must, a), (Occur.Should, b)])
    if isinstance(node, query.Require):
        a, b = _sub(node.a, schema, lexicon), _sub(node.b, schema, lexicon)
        return Query.boolean_query([(Occur.Must, a), (Occur.Must, Query.const_score_query(b, 0))])
    if isinstance(node, query.Every):
        if node.fieldname is None:
            return Query.all_query()
        return Query.term_query(schema, HAS, node.fieldname)
    if node is query.NullQuery:
        return Query.empty_query()
    return _leaf(node, schema, lexicon)


def _sub(node: query.Query, schema: tantivy.Schema, lexicon: Lexicon) -> Query:
    return translate(node, schema, lexicon)


def _compound(node: query.And | query.Or, schema: tantivy.Schema, lexicon: Lexicon) -> Query:
    """All of the parts (And) or any (Or); under And, a NOT part excludes what it matches."""
    if isinstance(node, query.Or):
        parts = [_sub(child, schema, lexicon) for child in node.subqueries]
        if len(parts) < 2:
            return parts[0] if parts else Query.empty_query()
        return Query.boolean_query([(Occur.Should, part) for part in parts])
    kept = [child for child in node.subqueries if not isinstance(child, query.Not)]
    excluded = [_sub(c.query, schema, lexicon) for c in node.subqueries if c not in kept]
    required = [_sub(child, schema, lexicon) for child in kept] or [Query.all_query()]
    whole = (
        required[0]
        if len(required) == 1
        else Query.boolean_query([(Occur.Must, part) for part in required])
    )
    return _excluding(whole, excluded) if excluded else whole


def _excluding(kept: Query, excluded: list[Query]) -> Query:
    clauses = [(Occur.Must, kept)] + [(Occur.MustNot, part) for part in excluded]
    return Query.boolean_query(clauses)


def _leaf(node: query.Query, schema: tantivy.Schema, lexicon: Lexicon) -> Query:
    """A word, a phrase, a pattern or a range in one field."""
    field = getattr(node, "fieldname", None)
    if isinstance(node, query.NumericRange):
        if field not in ("date", "due"):
            return Query.empty_query()
        return Query.range_query(
            schema,
            field,
            FieldType.Integer,
            node.start,
            node.end,
            include_lower=not node.startexcl,
            include_upper=not node.endexcl,
        )
    if field not in TEXT_FIELDS and field not in TERM_FIELDS:
        if isinstance(node, query.Term | query.Phrase | query.PatternQuery | query.TermRange):
            return Query.empty_query()  # a field with no words: Whoosh finds nothing there
        raise Untranslatable(type(node).__name__)
    found = _words(node, field, schema, lexicon)
    boost = TEXT_FIELDS.get(field, 1.0)
    return found if boost == 1 else Query.boost_query(found, boost)


def _words(node: query.Query, field: str, schema: tantivy.Schema, lexicon: Lexicon) -> Query:
    if isinstance(node, query.Term):
        return Query.term_query(schema, field, node.text)
    if isinstance(node, query.Phrase):
        if field not in TEXT_FIELDS:
            raise Untranslatable(f"a phrase in {field}, which has no positions")
        if len(node.words) == 1:
            return Query.term_query(schema, field, node.words[0])
        return Query.phrase_query(schema, field, list(node.words), slop=max(0, node.slop - 1))
    if isinstance(node, query.Prefix):
        return Query.regex_query(schema, field, escaped(node.text) + ".*")
    if isinstance(node, query.Wildcard):
        return Query.regex_query(schema, field, _glob(node.text))
    if isinstance(node, query.TermRange):
        candidates = lexicon.starting(field, _common_prefix(node))
        terms = [term for term, _ in candidates if _in_range(node, term)]
        return Query.term_set_query(schema, field, terms) if terms else Query.empty_query()
    raise Untranslatable(type(node).__name__)


def escaped(text: str) -> str:
    """`text` as a Rust regex matching it literally."""
    return "".join("\\" + char if char in RUST_SPECIAL else char for char in text)


def _glob(pattern: str) -> str:
    """A glob (`*`, `?`, `[abc]`, `[!abc]`) as a Rust regex over a whole term, as
    `fnmatch.translate` reads it."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        i += 1
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[" and (end := _class_end(pattern, i)) > 0:
            body = pattern[i:end]
            negated = body.startswith("!")
            members = body[1:] if negated else body
            inside = "".join("\\" + c if c in "\\[]^&~" else c for c in members)
            out.append(f"[{'^' if negated else ''}{inside}]")
            i = end + 1
        else:
            out.append(escaped(char))
    return "".join(out)


def _class_end(pattern: str, start: int) -> int:
    """Where the `[` class starting at `start` closes, as fnmatch finds it; -1 if it does not."""
    j = start
    if j < len(pattern) and pattern[j] == "!":
        j += 1
    if j < len(pattern) and pattern[j] == "]":
        j += 1
    end = pattern.find("]", j)
    return end


def _common_prefix(node: query.TermRange) -> str:
    if node.start is None or node.end is None:
        return ""
    prefix = []
    for a, b in zip(node.start, node.end, strict=False):
        if a != b:
            break
        prefix.append(a)
    return "".join(prefix)


def _in_range(node: query.TermRange, term: str) -> bool:
    start, end = node.start, node.end
    if start is not None and (term < start or (node.startexcl and term == start)):
        return False
    return end is None or not (term > end or (node.endexcl and term == end))


def words(node: query.MultiTerm, lexicon: Lexicon) -> list[str]:
    """The indexed words of its field a prefix, a wildcard or a range of words stands for, in
    order, as Whoosh expands it."""
    field = node.field()
    if isinstance(node, query.Prefix):
        candidates = lexicon.starting(field, node.text)
        return sorted(term for term, _ in candidates)
    if isinstance(node, query.Wildcard):
        literal = re.split(r"[*?\[]", node.text, maxsplit=1)[0]
        matches = re.compile(fnmatch.translate(node.text)).match  # as Whoosh matches
        return sorted(term for term, _ in lexicon.starting(field, literal) if matches(term))
    if isinstance(node, query.TermRange):
        candidates = lexicon.starting(field, _common_prefix(node))
        return sorted(term for term, _ in candidates if _in_range(node, term))
    return []


def marks(node: query.Query, lexicon: Lexicon) -> frozenset[str]:
    """The body terms a query looks for that the index holds, prefixes, wildcards and ranges
    expanded: what a snippet marks. The same as Whoosh's
    `existing_terms(reader, phrases=True, expand=True, fieldname="body")`, which decides
    where a snippet stops looking (once one match of each is found)."""
    found: set[str] = set()
    for leaf in node.leaves():
        if getattr(leaf, "fieldname", None) != "body":
            continue
        if isinstance(leaf, query.Term | query.Phrase):
            words = [leaf.text] if isinstance(leaf, query.Term) else leaf.words
            found.update(word for word in words if lexicon.holds("body", word))
        elif isinstance(leaf, query.Prefix):
            found.update(term for term, _ in lexicon.starting("body", leaf.text))
        elif isinstance(leaf, query.Wildcard):
            literal = re.split(r"[*?\[]", leaf.text, maxsplit=1)[0]
            matches = re.compile(fnmatch.translate(leaf.text)).match  # as Whoosh matches
            found.update(term for term, _ in lexicon.starting("body", literal) if matches(term))
        elif isinstance(leaf, query.TermRange):
            candidates = lexicon.starting("body", _common_prefix(leaf))
            found.update(term for term, _ in candidates if _in_range(leaf, term))
    return frozenset(found)
