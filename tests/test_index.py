"""The search index, with a real whoosh index in tmp_path."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from iiv.errors import IivError
from iiv.index import INDEX_VERSION, Index, SearchResult
from iiv.note import Note, parse_note
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


def entry(path: str, text: str, mtime_ns: int = 1_700_000_000_000_000_000) -> tuple[Note, FileStat]:
    data = text.encode("utf-8")
    return parse_note(path, data), FileStat(path, len(data), mtime_ns)


def entries(notes: dict[str, str]) -> list[tuple[Note, FileStat]]:
    return [
        entry(path, text, 1_700_000_000_000_000_000 + n)
        for n, (path, text) in enumerate(notes.items())
    ]


def found(index: Index, text: str) -> set[str]:
    return {hit.path for hit in index.search(text, limit=50).hits}


@pytest.fixture
def index(tmp_path: Path) -> Iterator[Index]:
    opened = Index.open(tmp_path / "index")
    opened.rebuild(entries(NOTES))
    yield opened
    opened.close()


# Opening and rebuilding


def test_a_missing_folder_needs_a_rebuild_and_searching_it_says_so(tmp_path: Path) -> None:
    index = Index.open(tmp_path / "index")
    assert (index.needs_rebuild, index.reason) == (True, "no index yet")
    with pytest.raises(IivError) as raised:
        index.search("ada")
    assert str(raised.value) == "the search index needs rebuilding: no index yet"


def test_rebuild_swaps_in_a_fresh_index_and_leaves_no_other_folders(tmp_path: Path) -> None:
    (tmp_path / "index.new").mkdir()  # left by a crashed rebuild
    (tmp_path / "index.old").mkdir()
    index = Index.open(tmp_path / "index")
    assert index.rebuild(entries(NOTES)) == len(NOTES)
    assert index.rebuild(entries({"a.md": "alpha"})) == 1
    assert (index.needs_rebuild, index.count(), found(index, "alpha")) == (False, 1, {"a.md"})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index"]
    version = json.loads((tmp_path / "index" / "iiv-index.json").read_text(encoding="utf-8"))
    assert version == {"version": INDEX_VERSION}
    assert Index.open(tmp_path / "index").count() == 1


def test_an_empty_index_works(tmp_path: Path) -> None:
    index = Index.open(tmp_path / "index")
    assert index.rebuild([]) == 0
    index = Index.open(tmp_path / "index")
    assert (index.needs_rebuild, index.count(), index.indexed()) == (False, 0, {})
    assert index.search("ada") == SearchResult("ada", 0, (), 1, 0, None)


def test_rebuild_refuses_to_replace_a_folder_that_is_not_an_index(tmp_path: Path) -> None:
    folder = tmp_path / "Documents"
    folder.mkdir()
    (folder / "thesis.md").write_text("precious", encoding="utf-8")
    index = Index.open(folder)
    assert index.reason == "index unreadable (no iiv-index.json)"
    with pytest.raises(IivError) as raised:
        index.rebuild(entries(NOTES))
    assert str(raised.value) == (
        f"{folder} is not an iiv index (it holds other files): not replacing it; "
        "point the index at an empty or new folder"
    )
    assert (folder / "thesis.md").read_text(encoding="utf-8") == "precious"
    assert [path.name for path in tmp_path.iterdir()] == ["Documents"]


def test_a_closed_index_says_so(index: Index) -> None:
    index.close()
    with pytest.raises(IivError, match=r"^the search index is closed$"):
        index.search("ada")


def test_rebuild_reports_progress_every_500_notes_and_at_the_end(tmp_path: Path) -> None:
    index = Index.open(tmp_path / "index")
    calls: list[int] = []
    notes = (entry(f"n/{n}.md", f"note {n}") for n in range(1001))
    assert index.rebuild(notes, progress=calls.append) == 1001
    assert calls == [500, 1000, 1001]


def test_a_failed_rebuild_keeps_the_old_index(index: Index, tmp_path: Path) -> None:
    def failing() -> Iterator[tuple[Note, FileStat]]:
        yield entry("new.md", "new")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        index.rebuild(failing())
    assert found(index, "babbage") == {"notes/Reading list.md"}
    assert found(index, "new") == set()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["index"]


def truncate_segments(folder: Path) -> None:
    for segment in folder.glob("*.seg"):
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])


def delete_toc(folder: Path) -> None:
    for toc in folder.glob("*.toc"):
        toc.unlink()


def garble_version(folder: Path) -> None:
    (folder / "iiv-index.json").write_text("{not json", encoding="utf-8")


def old_version(folder: Path) -> None:
    (folder / "iiv-index.json").write_text('{"version": 0}', encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (truncate_segments, "index unreadable (damaged files: "),
        (delete_toc, "index unreadable (its table of contents is missing)"),
        (garble_version, "index unreadable (iiv-index.json is damaged: JSONDecodeError: "),
        (old_version, f"index format changed (version 0 → {INDEX_VERSION})"),
    ],
)
def test_a_damaged_index_needs_a_rebuild_which_then_works(
    index: Index, tmp_path: Path, damage: Callable[[Path], None], reason: str
) -> None:
    index.close()
    damage(tmp_path / "index")
    damaged = Index.open(tmp_path / "index")
    assert damaged.needs_rebuild
    assert damaged.reason is not None and damaged.reason.startswith(reason)
    assert damaged.rebuild(entries(NOTES)) == len(NOTES)
    assert not damaged.needs_rebuild
    assert found(damaged, "babbage") == {"notes/Reading list.md"}
    assert not Index.open(tmp_path / "index").needs_rebuild


def test_files_deleted_under_an_open_index_make_it_need_a_rebuild(
    index: Index, tmp_path: Path
) -> None:
    for segment in (tmp_path / "index").glob("*.seg"):
        segment.unlink()
    with pytest.raises(IivError, match=r"^the search index needs rebuilding: index unreadable \("):
        index.search("ada")
    assert index.needs_rebuild
    index.rebuild(entries(NOTES))
    assert found(index, "babbage") == {"notes/Reading list.md"}


def test_a_commit_by_another_writer_while_opening_is_not_damage(
    index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer may commit, deleting the files of the commit being read, while a reader
    opens the index: the reader opens the new commit instead of asking for a rebuild."""
    import iiv.index

    check = iiv.index._check
    races = []

    def racing_check(folder: Path) -> None:
        if not races:  # the first read: another writer commits and merges meanwhile
            races.append(folder)
            index.update([entry("notes/New.md", "A note about looms.\n")], [])
            raise FileNotFoundError(2, "No such file or directory", str(folder / "gone.seg"))
        check(folder)

    monkeypatch.setattr(iiv.index, "_check", racing_check)
    reader = Index.open(tmp_path / "index")
    assert races and not reader.needs_rebuild
    assert found(reader, "looms") == {"notes/New.md"}
    reader.close()


def test_a_failure_with_no_commit_meanwhile_is_damage(
    index: Index, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iiv.index

    def failing_check(folder: Path) -> None:
        raise FileNotFoundError(2, "No such file or directory", str(folder / "gone.seg"))

    monkeypatch.setattr(iiv.index, "_check", failing_check)
    reader = Index.open(tmp_path / "index")
    assert reader.reason == "index unreadable (gone.seg is missing)"


# Updating


def test_update_adds_replaces_and_removes_notes_and_indexed_lists_them(index: Index) -> None:
    index.update(
        [entry("notes/New.md", "A fresh idea about kayaks", mtime_ns=42)],
        ["notes/Reading list.md"],
    )
    stats = index.indexed()
    assert stats["notes/New.md"] == (len(b"A fresh idea about kayaks"), 42)
    assert "notes/Reading list.md" not in stats
    assert set(stats) == set(NOTES) - {"notes/Reading list.md"} | {"notes/New.md"}
    assert found(index, "kayaks") == {"notes/New.md"}
    assert found(index, "babbage") == set()


def test_a_path_updated_twice_in_one_batch_is_indexed_once_with_the_last_text(
    index: Index,
) -> None:
    index.update([entry("a.md", "upstream canoe"), entry("a.md", "downstream canoe")], [])
    assert [hit.path for hit in index.search("canoe").hits] == ["a.md"]
    assert (found(index, "downstream"), found(index, "upstream")) == ({"a.md"}, set())
    assert index.count() == len(NOTES) + 1


def test_a_path_both_changed_and_removed_is_kept(index: Index) -> None:
    index.update([entry("a.md", "canoe")], ["a.md"])
    assert found(index, "canoe") == {"a.md"}


def test_remove_prefix_deletes_a_folder_of_notes_and_counts_them(index: Index) -> None:
    index.update([entry("peoples.md", "not in the folder")], [])
    assert index.remove_prefix("people/") == 2
    assert index.remove_prefix("people") == 0
    assert "peoples.md" in index.indexed()
    assert not any(path.startswith("people/") for path in index.indexed())


def test_a_stale_write_lock_file_does_not_block_a_writer(tmp_path: Path) -> None:
    folder = tmp_path / "index"
    Index.open(folder).rebuild(entries(NOTES))
    (folder / "MAIN_WRITELOCK").write_text("left by a crashed iiv", encoding="utf-8")
    index = Index.open(folder, lock_timeout=0.2)
    index.update([entry("a.md", "canoe")], [])
    assert found(index, "canoe") == {"a.md"}


def test_a_writer_waits_for_another_process_lock_then_says_the_index_is_busy(
    index: Index, tmp_path: Path
) -> None:
    fcntl = pytest.importorskip("fcntl")
    with open(tmp_path / "index" / "MAIN_WRITELOCK", "w") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        index.lock_timeout = 0.2
        with pytest.raises(IivError) as raised:
            index.update([entry("a.md", "canoe")], [])
        assert str(raised.value) == "the index is busy (another iiv is writing); try again"
        index.lock_timeout = 30.0
        threading.Timer(0.2, fcntl.flock, (other, fcntl.LOCK_UN)).start()
        index.update([entry("a.md", "canoe")], [])
    assert found(index, "canoe") == {"a.md"}
    assert not index.needs_rebuild


# Searching


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("babbage", {"notes/Reading list.md"}),
        ("BABBAGE", {"notes/Reading list.md"}),
        ('"difference engine"', {"notes/Reading list.md"}),
        ('"engine difference"', set()),
        ("bab*", {"notes/Reading list.md"}),
        ("coffee engines", {"interviews/2026-03-01 Ada.md"}),
        ("coffee AND biography", set()),
        ("coffee OR biography", {"interviews/2026-03-01 Ada.md", "notes/Reading list.md"}),
        ("engine NOT coffee", {"people/Ada Lovelace.md", "notes/Reading list.md"}),
    ],
)
def test_search_finds_words_phrases_prefixes_and_boolean_combinations(
    index: Index, text: str, paths: set[str]
) -> None:
    assert found(index, text) == paths


@pytest.mark.parametrize(
    ("text", "paths"),
    [
        ("person:ada", {"people/Ada Lovelace.md", "interviews/2026-03-01 Ada.md"}),
        ("person:Martinez", {"people/José Martínez.md", "interviews/2026-11-20 José.md"}),
        ("company:northwind", {"people/José Martínez.md"}),
        ('company:"ANALYTICAL engines"', {"people/Ada Lovelace.md"}),
        ("role:mathematician", {"people/Ada Lovelace.md"}),
        ("tag:MATH", {"people/Ada Lovelace.md", "interviews/2026-03-01 Ada.md"}),
        ("tags:devrel", {"people/José Martínez.md"}),
        ("kind:Person", {"people/Ada Lovelace.md", "people/José Martínez.md"}),
        ("kind:interview status:DONE", {"interviews/2026-03-01 Ada.md"}),
        ("medium:coffee", {"interviews/2026-03-01 Ada.md"}),
        ("medium:Video", {"interviews/2026-11-20 José.md"}),
        ("date:[2026-01-01 to 2026-06-30]", {"interviews/2026-03-01 Ada.md"}),
        ("date:>2026-11-01", {"interviews/2026-11-20 José.md"}),
        ("date:2026-11", {"interviews/2026-11-20 José.md"}),
        ("due:2026-12", {"interviews/2026-03-01 Ada.md"}),
        ("countess", {"people/Ada Lovelace.md"}),
    ],
)
def test_field_filters_match_case_insensitively(index: Index, text: str, paths: set[str]) -> None:
    assert found(index, text) == paths


def test_accents_fold_and_words_stem(index: Index) -> None:
    assert found(index, "Jose Martinez") == {
        "people/José Martínez.md",
        "interviews/2026-11-20 José.md",
    }
    assert found(index, "josé") == found(index, "jose")
    assert found(index, "interview") == {"interviews/2026-03-01 Ada.md"}  # "interviewing"
    assert found(index, "programs") == {"people/Ada Lovelace.md"}  # "program"


def test_a_persons_own_note_ranks_above_notes_that_mention_them(index: Index) -> None:
    hits = index.search("Ada Lovelace").hits
    assert hits[0].path == "people/Ada Lovelace.md"
    assert {hit.path for hit in hits[1:]} == {
        "interviews/2026-03-01 Ada.md",
        "notes/Reading list.md",
    }
    assert (hits[0].kind, hits[0].title) == ("person", "Ada Lovelace")
    assert hits[0].score > hits[1].score


def test_snippets_escape_the_note_and_mark_the_match(index: Index) -> None:
    (hit,) = index.search("demo").hits
    assert hit.snippet == (
        "Try &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; before the robotics "
        "<mark>demo</mark> &amp; more."
    )


def test_a_match_outside_the_body_shows_the_start_of_the_body(index: Index) -> None:
    (hit,) = index.search("countess").hits
    assert hit.snippet == "Ada Wrote the first program for the engine."


def test_long_bodies_give_a_short_snippet_around_the_match(index: Index) -> None:
    text = "filler " * 200 + "the <b>kayak</b> trip " + "more " * 200
    index.update([entry("long.md", text)], [])
    (hit,) = index.search("kayak").hits
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "&lt;b&gt;<mark>kayak</mark>&lt;/b&gt;" in hit.snippet
    assert len(hit.snippet) < 300


def test_words_past_the_stored_text_are_found_and_show_the_opening(index: Index) -> None:
    text = "Opening words. " + "filler " * 3000 + "kayak"
    index.update([entry("long.md", text)], [])
    (hit,) = index.search("kayak").hits
    assert hit.snippet.startswith("Opening words. filler filler") and hit.snippet.endswith("…")


def test_no_match_suggests_a_close_spelling(index: Index) -> None:
    result = index.search("Lovelase")
    assert (result.total, result.hits, result.suggestion) == (0, (), "lovelace")
    assert index.search("person:Lovelase").suggestion == "person:lovelace"
    assert index.search('"diference engine"').suggestion == '"difference engine"'
    assert index.search("zzyzx").suggestion is None
    assert index.search("lovelace").suggestion is None


@pytest.mark.parametrize(
    "text",
    [
        '"unclosed',
        "AND",
        "((",
        "date:[garbage",
        ")",
        "OR OR",
        "tag:",
        "date:>",
        "NOT",
        '"',
        "*",
        "title:(",
        "^2",
        "date:[2026 TO",
        "kind:[a TO b]",
        "",
        "   ",
        "person:",
        "a:b:c",
        "\\",
    ],
)
def test_any_query_text_returns_a_result_without_raising(index: Index, text: str) -> None:
    assert isinstance(index.search(text), SearchResult)


def test_a_query_that_does_not_parse_searches_its_words(index: Index) -> None:
    index.update([entry("g.md", "Garbage collection date")], [])
    assert found(index, "date:[garbage") == {"g.md"}
    assert "people/Ada Lovelace.md" in found(index, 'ada "lovelace')


def test_results_come_in_pages(index: Index) -> None:
    index.update([entry(f"k/{n}.md", f"kayak {n}") for n in range(5)], [])
    first = index.search("kayak", limit=2)
    third = index.search("kayak", limit=2, page=3)
    beyond = index.search("kayak", limit=2, page=99)
    assert (first.total, first.pages, first.page, len(first.hits)) == (5, 3, 1, 2)
    assert (third.page, len(third.hits)) == (3, 1)
    assert (beyond.page, beyond.hits) == (3, third.hits)
    pages = [index.search("kayak", limit=2, page=n).hits for n in (1, 2, 3)]
    assert sorted(hit.path for page in pages for hit in page) == [f"k/{n}.md" for n in range(5)]
    assert index.search("zzyzx", limit=2) == SearchResult("zzyzx", 0, (), 1, 0, None)


def test_searches_from_several_threads_while_another_thread_writes(index: Index) -> None:
    errors: list[BaseException] = []
    done = threading.Event()

    def search() -> None:
        while not done.is_set():
            try:
                index.search("robotics OR kayak")
                index.search("kay*")
            except BaseException as error:
                errors.append(error)
                return

    readers = [threading.Thread(target=search) for _ in range(4)]
    for reader in readers:
        reader.start()
    try:
        for n in range(20):
            index.update([entry(f"k/{n}.md", f"kayak {n}")], [f"k/{n - 1}.md"])
        index.rebuild(entries(NOTES))
        index.update([entry("k/last.md", "kayak")], [])
    finally:
        done.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert found(index, "kayak") == {"k/last.md"}


def test_each_word_is_found_as_a_query_analyzes_it(index: Index) -> None:
    text = (
        "Straße, José's café: node.js e.g. 3.14 — interviewing ÆSIR programs, naïve CRDTs; "
        "the lighthouse of the kayak keeper"
    )
    index.update([entry("words.md", text)], [])
    for word in re.findall(r"\w+(?:\.\w+)*", text):
        if len(word) > 1 and word.lower() not in ("the", "of", "e.g"):
            assert "words.md" in found(index, word), word
    assert found(index, '"lighthouse kayak keeper"') == {"words.md"}  # stop words take no place


# Deleted notes and renewed searchers


def _searched(index: Index, queries: list[str]) -> list[tuple[int, list[tuple[str, float]]]]:
    results = [index.search(text, limit=500) for text in queries]
    return [(r.total, [(hit.path, round(hit.score, 4)) for hit in r.hits]) for r in results]


def test_a_searcher_kept_across_commits_sees_each_commit(tmp_path: Path) -> None:
    index = Index.open(tmp_path / "index")
    index.rebuild(entries({f"n/{n}.md": f"kayak number{n}" for n in range(60)}))
    present = {f"n/{n}.md" for n in range(60)}
    for n in range(30):  # replaces, removes and adds, with merges of the small segments
        index.update(
            [entry(f"n/{n}.md", f"kayak canoe number{n}"), entry(f"m/{n}.md", "kayak")],
            [f"n/{59 - n}.md"],
        )
        present = (present - {f"n/{59 - n}.md"}) | {f"n/{n}.md", f"m/{n}.md"}
        assert {path for path, _ in _searched(index, ["kayak"])[0][1]} == present, n
        assert found(index, "canoe") == {f"n/{k}.md" for k in range(n + 1)}
    fresh = Index.open(tmp_path / "index")
    assert _searched(fresh, ["kayak", "canoe", "number3"]) == _searched(
        index, ["kayak", "canoe", "number3"]
    )
    assert index.count() == fresh.count() == len(present)
    index.close()
    fresh.close()


# Merging what saves leave behind


class _Segment:
    def __init__(self, documents: int, deleted: int = 0) -> None:
        self.documents, self.deleted = documents, deleted

    def doc_count_all(self) -> int:
        return self.documents

    def deleted_count(self) -> int:
        return self.deleted


def test_a_save_merges_six_small_segments_of_a_size_and_never_a_big_one() -> None:
    from iiv.index import MERGE_AT, _small

    ones = [_Segment(1) for _ in range(MERGE_AT)]
    sixes = [_Segment(7) for _ in range(MERGE_AT - 1)]
    big = _Segment(5000)
    assert _small([big, *ones[:-1], *sixes]) == []  # five of each size wait
    assert _small([big, *ones, *sixes]) == ones
    last = _Segment(35)
    assert _small([big, *sixes, last]) == [*sixes, last]  # 6–35 documents: one size
    tier = [_Segment(40) for _ in range(MERGE_AT)]
    assert _small([big, *tier]) == tier
    assert _small([_Segment(216) for _ in range(10)]) == []  # bigger ones wait for compact


def test_compact_merges_small_segments_and_those_with_many_notes_deleted() -> None:
    from iiv.index import _untidy

    main, quarter, other = _Segment(1000, 249), _Segment(400, 100), _Segment(600, 10)
    small = [_Segment(20), _Segment(30)]
    assert _untidy([main, other]) == []
    assert _untidy([main, other, *small]) == small
    assert _untidy([main, quarter, other]) == [quarter]
    big, half = _Segment(6000, 2999), _Segment(6000, 3000)  # a quarter is not enough here
    assert _untidy([big, half]) == [half]


def test_a_short_tidy_rewrites_at_most_so_many_documents_smallest_first() -> None:
    from iiv.index import _untidy

    main, stale = _Segment(9000), _Segment(400, 100)
    small = [_Segment(900), _Segment(300), _Segment(200)]
    assert _untidy([main, *small], most=600) == [small[2], small[1]]
    assert _untidy([main, *small], most=400) == []  # one small segment alone: nothing gained
    assert _untidy([main, stale, *small], most=650) == [small[2], small[1]]
    assert _untidy([main, stale], most=400) == [stale]  # a stale one alone is worth it
    assert _untidy([main, stale], most=399) == []


def test_segments_stay_few_however_many_saves_come(tmp_path: Path) -> None:
    index = Index.open(tmp_path / "index")
    index.rebuild(entries({f"n/{n}.md": f"kayak number{n}" for n in range(300)}))
    most = 0
    for n in range(250):
        index.update([entry(f"n/{n}.md", f"kayak canoe number{n}")], [])
        most = max(most, len(index._require()._segments()))
    assert most <= 1 + 3 * 6  # the big one, and at most six of each small size
    assert index.compact()
    segments = index._require()._segments()
    assert sum(s.deleted_count() for s in segments) == 0 and len(segments) <= 2
    assert _searched(index, ["canoe"])[0][0] == 250
    index.close()
