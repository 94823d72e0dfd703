"""Notes to index, and helpers the search tests share: every engine gets the same ones."""

from __future__ import annotations

from iiv.note import Note, parse_note
from iiv.search import SearchEngine
from iiv.vault import FileStat

NOTES = {
    "people/Ada Lovelace.md": (
        "---\ntype: person\nname: Ada Lovelace\naliases: [The Countess]\n"
        "company: Analytical Engines\nrole: Mathematician\ntags: [Math, pioneer]\n---\n"
        "# Ada\n\nWrote the first program for the engine.\n"
    ),
    "interviews/2026-03-01 Ada.md": (
        '---\ntype: interview\nperson: "[[Ada Lovelace|Ada]]"\ndate: 2026-03-01\n'
        "status: done\nmedium: Coffee\ntags: [math]\n---\n"
        "Coffee with Ada Lovelace. We kept interviewing each other about engines.\n\n"
        "- [ ] Send the thank-you card 📅 2026-12-05\n"
    ),
    "people/José Martínez.md": (
        "---\ntype: person\nname: José Martínez\ncompany: Northwind Robotics\n"
        "role: Developer advocate\ntags: [devrel]\n---\nMet him at the robotics meetup.\n"
    ),
    "interviews/2026-11-20 José.md": (
        '---\ntype: interview\nperson: "[[José Martínez]]"\ndate: 2026-11-20 15:30\n'
        "status: scheduled\nmedium: video call\n---\nAsk about the docs team and the Python SDK.\n"
    ),
    "notes/Reading list.md": (
        "Books: Ada Lovelace's notes, a biography of Ada Lovelace, Lovelace and Babbage,\n"
        "and more on Ada Lovelace. Also a history of the difference engine.\n"
    ),
    "notes/Unsafe.md": "Try <script>alert('x')</script> before the robotics demo & more.\n",
}

# A note of words the analysis must keep whole or split (tests/search/test_words.py), and
# another that holds their near misses.
NOTE = "notes/Tools.md"
TEXT = (
    "# Tools we looked at\n\n"
    "The **zorblatt** framework, *quillfeather*, _snargle_ and __wimbrel__.\n\n"
    "> **Assessment**: worth a second look.\n\n"
    "In Dataview, `= this.file.plumbagor`; in the page script, window.renderGlimmet(x);\n"
    "the docs are at https://docs.fennimore.example/guide and the setting is snake_case_vorpal.\n\n"
    "- [ ] Ask which [[people/Ada Lovelace|Ada]] meant\n\n"
    "公司是字节跳动\n"
)
OTHER = "notes/Other.md"
OTHER_TEXT = "A file about quillworth.other and snake oil; 字典 and 节日.\n"


def entry(path: str, text: str, mtime_ns: int = 1_700_000_000_000_000_000) -> tuple[Note, FileStat]:
    data = text.encode("utf-8")
    return parse_note(path, data), FileStat(path, len(data), mtime_ns)


def entries(notes: dict[str, str]) -> list[tuple[Note, FileStat]]:
    return [
        entry(path, text, 1_700_000_000_000_000_000 + n)
        for n, (path, text) in enumerate(notes.items())
    ]


def found(index: SearchEngine, text: str) -> set[str]:
    return {hit.path for hit in index.search(text, limit=50).hits}


def searched(index: SearchEngine, queries: list[str]) -> list[tuple[int, list[tuple[str, float]]]]:
    results = [index.search(text, limit=500) for text in queries]
    return [(r.total, [(hit.path, round(hit.score, 4)) for hit in r.hits]) for r in results]
