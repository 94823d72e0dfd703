"""The benchmark still runs: one quick pass over 1,000 generated notes. Speed is not asserted
here (the figures are in docs/performance.md); only that every measurement completes."""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

from benchmarks.__main__ import main
from benchmarks.generate import RARE_COUNT, RARE_WORD, generate


def digest(root: Path) -> str:
    files = sorted(p for p in root.rglob("*") if p.is_file())
    text = b"".join(p.relative_to(root).as_posix().encode() + p.read_bytes() for p in files)
    return hashlib.sha256(text).hexdigest()


def test_the_vault_generator_is_deterministic(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", 300, seed=7)
    second = generate(tmp_path / "b", 300, seed=7)
    other = generate(tmp_path / "c", 300, seed=8)
    assert first == second and first.notes == 300
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")
    assert other.notes == 300
    rare = [p for p in (tmp_path / "a").rglob("*.md") if RARE_WORD in p.read_text("utf-8")]
    assert len(rare) == RARE_COUNT


@pytest.mark.timeout(900)
def test_the_benchmark_runs_on_a_thousand_notes_and_writes_its_page(tmp_path: Path) -> None:
    page = tmp_path / "performance.md"
    args = [
        "--notes",
        "1000",
        "--repeat",
        "1",
        "--edits",
        "3",
        "--searches",
        "2",
        "--requests",
        "3",
        "--burst",
        "60",
        "--workdir",
        str(tmp_path / "work"),
        "--output",
        str(page),
    ]
    assert main(args) == 0
    text = page.read_text(encoding="utf-8")
    for row in (
        "cold start → due list served",
        "warm start, nothing changed: `iiv index`",
        "save → searchable (atomic rename), p95",
        "/api/search p95, query mix with snippets",
        "/api/search already made, right after rg (what a request costs then), slowest query",
        "Today page p95",
        "60-note git checkout → index consistent",
        "peak RSS of `iiv serve`",
    ):
        assert f"| {row} |" in text
    assert "python -m benchmarks --notes 1000" in text
    assert (tmp_path / "work" / "results.json").exists()
    if importlib.util.find_spec("tantivy"):  # both engines, side by side
        assert "| 1,000 notes | target (Whoosh) | Whoosh | target (tantivy) | tantivy |" in text
        assert "**1,000 notes, tantivy**" in text


def test_the_report_names_the_machine_without_rg_or_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from benchmarks.report import machine

    monkeypatch.setenv("PATH", str(tmp_path))  # no rg, no git
    text = machine()
    assert "; rg not found; git not found" in text


def test_the_import_benchmark_runs(tmp_path: Path) -> None:
    from benchmarks.imports import connections, measure, report

    assert connections(50, seed=3) == connections(50, seed=3)
    timings = measure(200, seed=3, workdir=tmp_path)
    assert [t.last_line for t in timings] == [
        "Dry run: 200 to create, 0 to update, 0 duplicates, 0 unreadable. Nothing was written;"
        " add --apply to write.",
        "Created 200 notes, updated 0.",
        "Created 0 notes, updated 0.",
        "Created 0 notes, updated 181.",  # the 19 with an e-mail already: duplicates
        "",
        "Created 0 notes, updated 0.",
    ]
    assert report(200, timings).startswith("Importing 200 LinkedIn connections")
