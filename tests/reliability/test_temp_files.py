"""Temp files: a crash's leftover is removed by the next edit in its folder, nothing else is.

Where the system has no unnamed files (O_TMPFILE), an edit writes a named temp file first, so a
crash there can leave one; and even with them, a crash between naming the finished file and
renaming it over the note can. Both are removed by the next iiv edit in that folder once they
are a minute old (younger ones may belong to an edit still running in another process).
"""

from __future__ import annotations

import os
import time
from datetime import date
from pathlib import Path

import pytest

from iiv import atomic
from iiv.edit import complete_task, content_hash, create_note
from tests.helpers import make_vault
from tests.reliability.harness import environment, iiv, run, temp_files

TASK = "- [ ] Send the notes 📅 2026-12-01\n"


def leftovers(folder: Path) -> dict[str, Path]:
    """An old and a young iiv temp file, and an editor's old swap file."""
    files = {
        "old": folder / ".todo.md.iiv-a1b2c3.tmp",
        "young": folder / ".todo.md.iiv-d4e5f6.tmp",
        "editor's": folder / ".todo.md.swp",
    }
    for path in files.values():
        path.write_text("half a note")
    two_minutes_ago = time.time() - 120
    for key in ("old", "editor's"):
        os.utime(files[key], (two_minutes_ago, two_minutes_ago))
    return files


def test_iiv_done_removes_an_old_iiv_temp_file_and_nothing_else(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"notes/todo.md": TASK})
    files = leftovers(root / "notes")

    result = run(iiv("done", "notes/todo.md:1", "--vault", str(root)), environment(tmp_path))

    assert result.returncode == 0, result.stderr
    assert not files["old"].exists()
    assert files["young"].exists() and files["editor's"].exists()


def test_iiv_new_removes_an_old_iiv_temp_file_in_the_folder_it_writes(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/todo.md": TASK})
    files = leftovers(root / "people")

    result = run(iiv("new", "person", "Ada", "--vault", str(root)), environment(tmp_path))

    assert result.returncode == 0, result.stderr
    assert not files["old"].exists()
    assert files["young"].exists() and files["editor's"].exists()


def test_without_unnamed_files_an_edit_uses_a_named_temp_file_and_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Where /proc is missing iiv cannot link an unnamed file, and takes the named-file path
    # that file systems without O_TMPFILE (FAT, NFS) take.
    monkeypatch.setattr(atomic, "PROC_FD", str(tmp_path / "no-proc"))
    root = make_vault(tmp_path, {"notes/todo.md": TASK})
    (root / "notes/todo.md").chmod(0o640)

    complete_task(root, "notes/todo.md", 1, content_hash(TASK.encode()), date(2026, 12, 1))
    create_note(root, "notes/new.md", "# New\n")

    assert (
        root / "notes/todo.md"
    ).read_text() == "- [x] Send the notes 📅 2026-12-01 ✅ 2026-12-01\n"
    assert (root / "notes/todo.md").stat().st_mode & 0o777 == 0o640
    assert (root / "notes/new.md").read_text() == "# New\n"
    assert temp_files(root) == []
