"""What only the tantivy engine has: its files, its lock, its merges, and its terms, which
must be Whoosh's."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiv.errors import IivError
from iiv.search import SearchEngine, open_engine
from tests.search.notes import NOTES, entries, entry, found, searched

pytest.importorskip("tantivy")


@pytest.fixture
def engine_name() -> str:
    return "tantivy"


def segment_files(folder: Path) -> list[Path]:
    return sorted(path for path in folder.iterdir() if len(path.name.split(".")[0]) == 32)


def truncate_segments(folder: Path) -> None:
    for segment in segment_files(folder):
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])


def delete_meta(folder: Path) -> None:
    (folder / "meta.json").unlink()


def segments(folder: Path) -> int:
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    return len(meta["segments"])


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (truncate_segments, "index unreadable (damaged files: "),
        (delete_meta, "index unreadable (meta.json is missing)"),
    ],
)
def test_a_damaged_index_needs_a_rebuild_which_then_works(
    index: SearchEngine, tmp_path: Path, damage: Callable[[Path], None], reason: str
) -> None:
    index.close()
    damage(index.folder)
    damaged = open_engine(tmp_path / "index", "tantivy")
    assert damaged.needs_rebuild
    assert damaged.reason is not None and damaged.reason.startswith(reason)
    assert damaged.rebuild(entries(NOTES)) == len(NOTES)
    assert found(damaged, "babbage") == {"notes/Reading list.md"}
    assert not open_engine(tmp_path / "index", "tantivy").needs_rebuild


def test_files_deleted_under_an_open_index_are_read_from_memory_then_rebuilt(
    index: SearchEngine, tmp_path: Path
) -> None:
    """tantivy maps its files: the open index keeps its view, the next start rebuilds."""
    for segment in segment_files(index.folder):
        segment.unlink()
    assert found(index, "babbage") == {"notes/Reading list.md"}
    reopened = open_engine(tmp_path / "index", "tantivy")
    assert reopened.reason is not None and reopened.reason.startswith("index unreadable (")
    reopened.rebuild(entries(NOTES))
    assert found(reopened, "babbage") == {"notes/Reading list.md"}


def test_damage_found_while_writing_asks_for_a_rebuild(index: SearchEngine) -> None:
    for segment in segment_files(index.folder):
        segment.unlink()
    with pytest.raises(IivError, match=r"^the search index needs rebuilding: index unreadable \("):
        index.update([entry("a.md", "canoe")], ["notes/Reading list.md"])
    assert index.needs_rebuild
    index.rebuild(entries(NOTES))
    assert found(index, "babbage") == {"notes/Reading list.md"}


def test_a_commit_by_another_writer_while_opening_is_not_damage(
    index: SearchEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer may commit, deleting the files of the commit being read, while a reader
    opens the index: the reader opens the new commit instead of asking for a rebuild."""
    import iiv.search.tantivy_engine

    check = iiv.search.tantivy_engine._check
    races = []

    def racing_check(opened: object) -> None:
        if not races:  # the first read: another writer commits and merges meanwhile
            races.append(opened)
            index.update([entry("notes/New.md", "A note about looms.\n")], [])
            raise FileNotFoundError(2, "No such file or directory", "gone.idx")
        check(opened)  # type: ignore[arg-type]

    monkeypatch.setattr(iiv.search.tantivy_engine, "_check", racing_check)
    reader = open_engine(tmp_path / "index", "tantivy")
    assert races and not reader.needs_rebuild
    assert found(reader, "looms") == {"notes/New.md"}
    reader.close()


def test_a_failure_with_no_commit_meanwhile_is_damage(
    index: SearchEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iiv.search.tantivy_engine

    def failing_check(opened: object) -> None:
        raise FileNotFoundError(2, "No such file or directory", "gone.idx")

    monkeypatch.setattr(iiv.search.tantivy_engine, "_check", failing_check)
    reader = open_engine(tmp_path / "index", "tantivy")
    assert reader.reason == "index unreadable (gone.idx is missing)"


def test_a_rebuild_waits_for_a_writer_of_the_old_index(index: SearchEngine) -> None:
    fcntl = pytest.importorskip("fcntl")
    with open(index.folder / ".tantivy-writer.lock", "a+") as other:
        fcntl.flock(other, fcntl.LOCK_EX)
        index.lock_timeout = 0.2  # type: ignore[attr-defined]
        with pytest.raises(IivError, match=r"^the index is busy"):
            index.rebuild(entries({"a.md": "canoe"}))
    assert found(index, "babbage") == {"notes/Reading list.md"}
    assert sorted(path.name for path in index.folder.parent.iterdir()) == ["tantivy"]


def test_segments_stay_few_and_no_file_is_left_behind_however_many_saves_come(
    tmp_path: Path,
) -> None:
    index = open_engine(tmp_path / "index", "tantivy")
    index.rebuild(entries({f"n/{n}.md": f"kayak number{n}" for n in range(300)}))
    most = 0
    for n in range(120):
        index.update([entry(f"n/{n}.md", f"kayak canoe number{n}")], [f"gone/{n}.md"])
        most = max(most, segments(index.folder))
    assert most <= 1 + 8  # the built one, and fewer than tantivy's eight of a size
    assert searched(index, ["canoe"])[0][0] == 120
    meta = json.loads((index.folder / "meta.json").read_text(encoding="utf-8"))
    used = {segment["segment_id"].replace("-", "") for segment in meta["segments"]}
    assert {path.name.split(".")[0] for path in segment_files(index.folder)} == used
    index.close()


def test_a_reader_in_another_engine_sees_each_commit(tmp_path: Path) -> None:
    """What `iiv search` does beside `iiv serve`: the commits of another writer show."""
    writer = open_engine(tmp_path / "index", "tantivy")
    writer.rebuild(entries(NOTES))
    reader = open_engine(tmp_path / "index", "tantivy")
    for n in range(5):
        writer.update([entry(f"k/{n}.md", "kayak")], [])
        assert reader.search("kayak").total == n + 1
        assert reader.stamp() == writer.stamp()
    writer.rebuild(entries({"a.md": "canoe"}))
    assert (found(reader, "canoe"), reader.count()) == ({"a.md"}, 1)


# The same terms as Whoosh's


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.text(st.characters(categories=["L", "N", "P", "Zs", "M", "S"]), max_size=6),
            st.text(st.characters(max_codepoint=0x7F), max_size=8),
            st.sampled_from(
                ["*", "_", ".", "\n", "字", "节", "跳", "the ", "José", "e\u0301", "📅", "✅"]
            ),
            st.sampled_from(["²", "ª", "\u0301", "\U0001d165", "Ⅻ", "٣"]),
        ),
        max_size=20,
    ).map("".join)
)
def test_a_text_field_gives_tantivy_the_terms_and_positions_whoosh_indexes(text: str) -> None:
    from iiv.search.analysis import BODY, TEXT
    from iiv.search.tantivy_fields import sequence

    for analysis in (BODY, TEXT):
        terms = sequence(analysis, text).split(" ") if sequence(analysis, text) else []
        positions: dict[str, list[int]] = {}
        for position, term in enumerate(terms):
            positions.setdefault(term, []).append(position)
        assert positions == dict(analysis.positions(text))


def test_searching_leaves_the_kept_parse_of_a_query_as_the_parser_gives_it(
    index: SearchEngine,
) -> None:
    from iiv.search import queries, tantivy_engine

    texts = ['ada* "analytical engine" -babbage', "tag:mentor OR lov?lace", "date:>2026-01-01"]
    for text in texts:
        first = index.search(text)
        assert index.search(text) == first
        assert tantivy_engine._parse(text) == queries.parse(text)
