"""Full-text search of the notes: one engine protocol, engines chosen by name.

What the rest of iiv uses is here: `open_engine`, `warm_up` and the `SearchEngine` protocol,
the results (`SearchResult`, `Hit`) and `INDEX_VERSION`. Importing this package loads no
engine: Whoosh is imported when an index is opened, so that `iiv due` starts without it. Only
this package imports Whoosh; only `_whoosh_private` touches its internals.

Modules by job: `analysis` (words → terms, any engine), `snippets` (what a hit shows),
`results`, `engine` (the protocol, the engines), `folders` (an engine's folder on disk),
`processes` (the processes of a parallel build, for either engine); for
the Whoosh engine, `schema`, `queries`, `suggestions`, `build` (the parallel build), `merging`
(the merge policy), `layers` and `_whoosh_private` (stock and fast ways to write and read) and
`whoosh_engine`; for the tantivy engine (the `fast` extra), `tantivy_fields` (the same terms as
Whoosh's), `tantivy_queries` (the same query, run by tantivy), `tantivy_build` (the parallel
build) and `tantivy_engine`. Only the `tantivy_` modules import tantivy.
"""

from iiv.search.engine import (
    BUSY,
    DEFAULT_ENGINE,
    ENGINES,
    LOCK_TIMEOUT,
    EngineUnavailable,
    SearchEngine,
    engine_folder,
    open_engine,
    warm_up,
)
from iiv.search.folders import INDEX_VERSION
from iiv.search.results import Hit, SearchResult

__all__ = [
    "BUSY",
    "DEFAULT_ENGINE",
    "ENGINES",
    "INDEX_VERSION",
    "LOCK_TIMEOUT",
    "EngineUnavailable",
    "Hit",
    "SearchEngine",
    "SearchResult",
    "engine_folder",
    "open_engine",
    "warm_up",
]
