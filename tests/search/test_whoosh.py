"""What only the Whoosh engine has: its files, its lock, its merge policy, its layers."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iiv.errors import IivError
from iiv.search import SearchEngine, open_engine
from iiv.search.merging import MERGE_AT, small, untidy
from tests.search.conftest import WHOOSH_ENGINE_NAMES
from tests.search.notes import NOTES, entries, entry, found, searched

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=WHOOSH_ENGINE_NAMES)
def engine_name(request: pytest.FixtureRequest) -> str:
    """This module's tests are the Whoosh engines' own."""
    return str(request.param)


def truncate_segments(folder: Path) -> None:
    for segment in folder.glob("*.seg"):
        segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])


def delete_toc(folder: Path) -> None:
    for toc in folder.glob("*.toc"):
        toc.unlink()


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (truncate_segments, "index unreadable (damaged files: "),
        (delete_toc, "index unreadable (its table of contents is missing)"),
    ],
)
def test_a_damaged_index_needs_a_rebuild_which_then_works(
    index: SearchEngine,
    tmp_path: Path,
    engine_name: str,
    damage: Callable[[Path], None],
    reason: str,
) -> None:
    index.close()
    damage(index.folder)
    damaged = open_engine(tmp_path / "index", engine_name)
    assert damaged.needs_rebuild
    assert damaged.reason is not None and damaged.reason.startswith(reason)
    assert damaged.rebuild(entries(NOTES)) == len(NOTES)
    assert found(damaged, "babbage") == {"notes/Reading list.md"}
    assert not open_engine(tmp_path / "index", engine_name).needs_rebuild


def test_files_deleted_under_an_open_index_make_it_need_a_rebuild(index: SearchEngine) -> None:
    for segment in [*index.folder.glob("*.seg"), *index.folder.glob("*.toc")]:
        segment.unlink()
    with pytest.raises(IivError, match=r"^the search index needs rebuilding: index unreadable \("):
        index.search("ada")
    assert index.needs_rebuild
    index.rebuild(entries(NOTES))
    assert found(index, "babbage") == {"notes/Reading list.md"}


def test_a_commit_by_another_writer_while_opening_is_not_damage(
    index: SearchEngine, tmp_path: Path, engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer may commit, deleting the files of the commit being read, while a reader
    opens the index: the reader opens the new commit instead of asking for a rebuild."""
    import iiv.search.whoosh_engine

    check = iiv.search.whoosh_engine._check
    races = []

    def racing_check(folder: Path) -> None:
        if not races:  # the first read: another writer commits and merges meanwhile
            races.append(folder)
            index.update([entry("notes/New.md", "A note about looms.\n")], [])
            raise FileNotFoundError(2, "No such file or directory", str(folder / "gone.seg"))
        check(folder)

    monkeypatch.setattr(iiv.search.whoosh_engine, "_check", racing_check)
    reader = open_engine(tmp_path / "index", engine_name)
    assert races and not reader.needs_rebuild
    assert found(reader, "looms") == {"notes/New.md"}
    reader.close()


def test_a_failure_with_no_commit_meanwhile_is_damage(
    index: SearchEngine, tmp_path: Path, engine_name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import iiv.search.whoosh_engine

    def failing_check(folder: Path) -> None:
        raise FileNotFoundError(2, "No such file or directory", str(folder / "gone.seg"))

    monkeypatch.setattr(iiv.search.whoosh_engine, "_check", failing_check)
    reader = open_engine(tmp_path / "index", engine_name)
    assert reader.reason == "index unreadable (gone.seg is missing)"


def test_a_search_opening_while_a_rebuild_swaps_the_folders_uses_the_new_index(
    index: SearchEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A search takes the index under the engine's lock and opens a searcher of it outside:
    a rebuild may have renamed the folder away meanwhile. The search then opens the new
    index; nothing is damaged."""
    import iiv.search.whoosh_engine
    from iiv.search import folders

    moved_away, tried = threading.Event(), threading.Event()
    swap_in, opened = folders.swap_in, iiv.search.whoosh_engine.WhooshEngine._opened

    def pausing_swap_in(fresh: Path, folder: Path, old: Path) -> None:
        folder.rename(old)  # the index has no folder until the new one is renamed in
        moved_away.set()
        assert tried.wait(10)
        swap_in(fresh, folder, old)

    def racing_opened(engine: SearchEngine, ix: object, idle: object | None) -> object:
        if moved_away.is_set():
            return opened(engine, ix, idle)
        rebuilding.start()
        assert moved_away.wait(10)
        try:
            return opened(engine, ix, idle)  # the folder is gone: this fails
        finally:
            tried.set()

    more = {**NOTES, "notes/New.md": "A note about looms.\n"}
    rebuilding = threading.Thread(target=index.rebuild, args=(entries(more),))
    monkeypatch.setattr(folders, "swap_in", pausing_swap_in)
    monkeypatch.setattr(iiv.search.whoosh_engine.WhooshEngine, "_opened", racing_opened)
    try:
        assert found(index, "looms") == {"notes/New.md"}
    finally:
        moved_away.set()
        tried.set()
        if rebuilding.is_alive():
            rebuilding.join()
    assert tried.is_set() and not index.needs_rebuild


def test_a_stale_write_lock_file_does_not_block_a_writer(tmp_path: Path, engine_name: str) -> None:
    index = open_engine(tmp_path / "index", engine_name, lock_timeout=0.2)
    index.rebuild(entries(NOTES))
    (index.folder / "MAIN_WRITELOCK").write_text("left by a crashed iiv", encoding="utf-8")
    index = open_engine(tmp_path / "index", engine_name, lock_timeout=0.2)
    index.update([entry("a.md", "canoe")], [])
    assert found(index, "canoe") == {"a.md"}


# Merging what saves leave behind


class _Segment:
    def __init__(self, documents: int, deleted: int = 0) -> None:
        self.documents, self.deleted = documents, deleted

    def doc_count_all(self) -> int:
        return self.documents

    def deleted_count(self) -> int:
        return self.deleted


def test_a_save_merges_six_small_segments_of_a_size_and_never_a_big_one() -> None:
    ones = [_Segment(1) for _ in range(MERGE_AT)]
    sixes = [_Segment(7) for _ in range(MERGE_AT - 1)]
    big = _Segment(5000)
    assert small([big, *ones[:-1], *sixes]) == []  # five of each size wait
    assert small([big, *ones, *sixes]) == ones
    last = _Segment(35)
    assert small([big, *sixes, last]) == [*sixes, last]  # 6–35 documents: one size
    tier = [_Segment(40) for _ in range(MERGE_AT)]
    assert small([big, *tier]) == tier
    assert small([_Segment(216) for _ in range(10)]) == []  # bigger ones wait for compact


def test_compact_merges_small_segments_and_those_with_many_notes_deleted() -> None:
    main, quarter, other = _Segment(1000, 249), _Segment(400, 100), _Segment(600, 10)
    smalls = [_Segment(20), _Segment(30)]
    assert untidy([main, other]) == []
    assert untidy([main, other, *smalls]) == smalls
    assert untidy([main, quarter, other]) == [quarter]
    big, half = _Segment(6000, 2999), _Segment(6000, 3000)  # a quarter is not enough here
    assert untidy([big, half]) == [half]


def test_a_short_tidy_rewrites_at_most_so_many_documents_smallest_first() -> None:
    main, stale = _Segment(9000), _Segment(400, 100)
    smalls = [_Segment(900), _Segment(300), _Segment(200)]
    assert untidy([main, *smalls], most=600) == [smalls[2], smalls[1]]
    assert untidy([main, *smalls], most=400) == []  # one small segment alone: nothing gained
    assert untidy([main, stale, *smalls], most=650) == [smalls[2], smalls[1]]
    assert untidy([main, stale], most=400) == [stale]  # a stale one alone is worth it
    assert untidy([main, stale], most=399) == []


def test_segments_stay_few_however_many_saves_come(tmp_path: Path, engine_name: str) -> None:
    index = open_engine(tmp_path / "index", engine_name)
    index.rebuild(entries({f"n/{n}.md": f"kayak number{n}" for n in range(300)}))
    most = 0
    for n in range(250):
        index.update([entry(f"n/{n}.md", f"kayak canoe number{n}")], [])
        most = max(most, len(_segments(index)))
    assert most <= 1 + 3 * 6  # the big one, and at most six of each small size
    assert index.compact()
    segments = _segments(index)
    assert sum(s.deleted_count() for s in segments) == 0 and len(segments) <= 2
    assert searched(index, ["canoe"])[0][0] == 250
    index.close()


def _segments(index: SearchEngine) -> list[object]:
    engine = index  # the Whoosh engine, whose layer lists its segments
    return list(engine.layer.segments(engine._require()))  # type: ignore[attr-defined]


# Indexing in one pass


@settings(max_examples=200, deadline=None)
@given(
    text=st.lists(
        st.one_of(
            st.text(st.characters(categories=["L", "N", "P", "Zs", "M"]), max_size=6),
            st.sampled_from(["*", "_", ".", "\n", "字", "节", "跳", "the ", "José", "e\u0301"]),
        ),
        max_size=20,
    ).map("".join)
)
def test_indexing_in_one_pass_gives_what_whoosh_gives_from_the_analyzer(text: str) -> None:
    """Each text field indexes a value in one pass; Whoosh's own `index` runs the field's
    analyzer token by token (what queries use). Both must give the same postings."""
    from whoosh import fields

    from iiv.search.schema import SCHEMA

    for name in ("title", "body"):
        field = SCHEMA[name]
        assert sorted(field.index(text)) == sorted(fields.FieldType.index(field, text)), name


# The version gate


@pytest.mark.parametrize(
    ("distribution", "version", "verified"),
    [
        ("whoosh-reloaded", "2.7.5", True),
        ("Whoosh-Reloaded", "2.7.5", True),
        ("whoosh-reloaded", "2.7.6", False),
        ("whoosh-reloaded", "2.8.0", False),
        ("whoosh3", "3.54.0", True),
        ("whoosh3", "3.0.0", True),
        ("whoosh3", "4.0.0", False),
        ("whoosh3", "3.60.0rc1", False),
        ("whoosh", "2.7.4", False),
        ("whoosh-ng", "2.8.1", False),
    ],
)
def test_the_fast_paths_are_used_only_on_verified_whoosh_releases(
    distribution: str, version: str, verified: bool
) -> None:
    from iiv.search._whoosh_private import is_verified

    assert is_verified(distribution, version) is verified


def _python(code: str, **env: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", **env},
    )
    return done.stdout.strip()


def test_importing_iiv_changes_nothing_in_whoosh_until_an_index_is_opened(tmp_path: Path) -> None:
    code = f"""
import sys
import iiv.library, iiv.web, iiv.search
assert "whoosh" not in sys.modules, "importing iiv loaded whoosh"
import iiv.search._whoosh_private, iiv.search.whoosh_engine
from whoosh.filedb import compound
from whoosh.filedb.structfile import BufferFile
assert compound.BufferFile is BufferFile, "importing the private layer patched whoosh"
from iiv.search import open_engine
engine = open_engine({str(tmp_path / "index")!r}, "whoosh-stock")
assert compound.BufferFile is BufferFile, "the stock engine patched whoosh"
engine = open_engine({str(tmp_path / "index")!r}, "whoosh")
print(engine.layer.name, compound.BufferFile is not BufferFile)
"""
    assert _python(code) == "fast True"


def test_only_the_search_package_imports_whoosh() -> None:
    outside = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "iiv").rglob("*.py"))
        if "search" not in path.relative_to(ROOT / "iiv").parts
        and any(
            line.lstrip().startswith(("import whoosh", "from whoosh"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    ]
    assert outside == []


def test_only_the_private_layer_touches_whoosh_internals() -> None:
    """A private name of Whoosh (`._x`) is used in one module of the search package."""
    import re

    private = re.compile(r"\b(?:ix|writer|reader|searcher|segment|toc|index\.TOC|TOC)\._[a-z]")
    users = sorted(
        path.name
        for path in (ROOT / "iiv" / "search").glob("*.py")
        if private.search(path.read_text(encoding="utf-8"))
    )
    assert users == ["_whoosh_private.py"]
