"""What a search gives back, whatever the engine: one page of hits, the count, a suggestion."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    path: str
    kind: str
    title: str
    score: float
    snippet: str  # HTML: escaped text, matched words in <mark>…</mark>


@dataclass(frozen=True)
class SearchResult:
    query: str
    total: int
    hits: tuple[Hit, ...]
    page: int
    pages: int
    suggestion: str | None  # "did you mean" query text when nothing matched
    notice: str | None = None  # why the search did less than it was asked (see `limits`)

    def to_json(self) -> dict[str, object]:
        """The shape of `/api/search` and `iiv search --json` (documented in the README)."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "suggestion": self.suggestion,
            "notice": self.notice,
            "results": [
                {
                    "path": h.path,
                    "kind": h.kind,
                    "title": h.title,
                    "score": round(h.score, 4),
                    "snippet": h.snippet,
                }
                for h in self.hits
            ],
        }


def notice_of(notices: list[str]) -> str | None:
    """What a search left out, as one sentence: "The search took too long: …; only the …"."""
    unique = list(dict.fromkeys(notices))
    return (unique[0][:1].upper() + "; ".join(unique)[1:] + ".") if unique else None
