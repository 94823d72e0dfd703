"""The folder outside the vault that holds the index: the owner's only."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from iiv.library import Library
from tests.helpers import copy_example
from tests.search.notes import entry


def modes(folder: Path) -> dict[str, str]:
    """Every path under `folder` (itself as ".") → its permission bits, in octal."""
    found = {".": oct(stat.S_IMODE(folder.stat().st_mode))}
    for path in sorted(folder.rglob("*")):
        found[path.relative_to(folder).as_posix()] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def test_the_index_folder_and_its_files_are_the_owners_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # what most systems use: files 0644, folders 0755
    try:
        library = Library.open(copy_example(tmp_path), index_dir=tmp_path / "index")
        library.sync()
        library.index.update([entry("notes/New.md", "A new note about looms.\n")], [])
        library.close()
    finally:
        os.umask(old)
    found = modes(tmp_path / "index")
    assert found["."] == found["whoosh"] == "0o700"
    assert "catalog.sqlite" in found and any(p.endswith(".seg") for p in found)
    wider = {p: m for p, m in found.items() if m not in ("0o700", "0o600")}
    assert wider == {}
    folders = {p for p in found if (tmp_path / "index" / p).is_dir()}
    assert all(found[p] == "0o700" for p in folders)


def test_an_index_folder_made_readable_by_an_older_iiv_is_repaired(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    Library.open(root, index_dir=tmp_path / "index").close()
    for path in [tmp_path / "index", *(tmp_path / "index").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    Library.open(root, index_dir=tmp_path / "index").close()
    found = modes(tmp_path / "index")
    assert set(found.values()) <= {"0o700", "0o600"}
    assert found["."] == "0o700"
