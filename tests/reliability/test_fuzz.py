"""Coverage-guided fuzzing of the note parser with atheris (libFuzzer), seeded with the corpus.

Each input goes through `parse_note`, then every open task is completed and a property set,
as the dashboard's buttons would: nothing may raise but `EditRefused`, problems must point at
lines of the file, and libFuzzer's own limits catch hangs (-timeout) and memory blow-ups.

The fuzzer runs in a subprocess (libFuzzer owns its process): 8 s in the normal suite, 10
minutes with IIV_LONG=1. Skipped when atheris is not installed (`pip install atheris`).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from contextlib import suppress
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import ROOT
from tests.reliability.harness import LONG, figures

CORPUS = Path(__file__).resolve().parent / "corpus"
SECONDS = 600 if LONG else 8
MAX_SEED = 8192
TOKENS = [
    "---",
    "...",
    "\r\n",
    "\ufeff",
    "\x00",
    "type: person",
    "type: interview",
    "name: ",
    "keep_in_touch: ",
    "last_contact: ",
    "date: ",
    "status: done",
    "person: ",
    "people: ",
    "introduced_by: ",
    "tags: ",
    "aliases: ",
    '"[[',
    "]]",
    "[[",
    "|",
    "#^",
    "{{date}}",
    "&a ",
    "*a",
    "!!binary ",
    "!!set ",
    "? ",
    "<<<<<<< ",
    "=======",
    ">>>>>>> ",
    "- [ ] ",
    "- [x] ",
    "- [/] ",
    "📅 ",
    "⏳ ",
    "✅ ",
    "🔁 every ",
    " days",
    " when done",
    "[due:: ",
    "^block",
    "```",
    "2026-02-30",
    "9999-12-31",
    "0001-01-01",
    "\u2028",
]


def fuzz_one(data: bytes) -> None:
    """One input: parse it, then edit it as the dashboard would; only EditRefused may raise."""
    from iiv.errors import EditRefused
    from iiv.note import parse_note
    from iiv.patch import with_property, with_task_completed

    note = parse_note("fuzz/input.md", data)
    lines = data.count(b"\n") + 1
    assert all(p.line is None or 1 <= p.line <= lines for p in note.problems), note.problems
    for task in note.tasks[:5]:
        if task.is_open:
            with suppress(EditRefused):
                with_task_completed(data, task.line, date(2026, 12, 1))
    with suppress(EditRefused):
        with_property(data, "thanked", "2026-12-01")


def main(argv: list[str]) -> None:
    import atheris

    # The harness imported iiv already: import it again, instrumented this time. (Not yaml:
    # its C parser would raise the errors of the first import, which the second does not know.)
    for name in [m for m in sys.modules if m.split(".")[0] == "iiv"]:
        del sys.modules[name]
    with atheris.instrument_imports(include=["iiv"]):
        import iiv.edit
        import iiv.note  # noqa: F401

    atheris.Setup(argv, fuzz_one)
    atheris.Fuzz()


def seeds(folder: Path) -> Path:
    """The corpus and the golden notes up to MAX_SEED bytes, in one folder for libFuzzer.

    The big ones (the size/ files) cost seconds each under full instrumentation and teach the
    fuzzer nothing the small ones do not; test_hostile_input reads them.
    """
    folder.mkdir()
    sources = [*CORPUS.rglob("*.md"), *(ROOT / "tests" / "notes").glob("*.md")]
    small = (p for p in sources if p.is_file() and p.stat().st_size <= MAX_SEED)
    for number, source in enumerate(sorted(small)):
        shutil.copyfile(source, folder / f"seed-{number:04d}")
    return folder


def dictionary(path: Path) -> Path:
    escaped = ("".join(f"\\x{b:02x}" for b in token.encode()) for token in TOKENS)
    path.write_text("".join(f'"{token}"\n' for token in escaped), encoding="ascii")
    return path


@pytest.mark.timeout(SECONDS + 300)
def test_fuzzing_the_parser_and_the_edits_finds_no_crash(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris is not installed (pip install atheris)")
    found = tmp_path / "found"
    found.mkdir()
    args = [
        sys.executable,
        "-m",
        "tests.reliability.test_fuzz",
        str(found),
        str(seeds(tmp_path / "seeds")),
        f"-max_total_time={SECONDS}",
        "-timeout=10",
        "-rss_limit_mb=2048",
        "-max_len=16384",
        f"-dict={dictionary(tmp_path / 'iiv.dict')}",
        f"-artifact_prefix={tmp_path}/",
        "-print_final_stats=1",
    ]
    with figures("fuzz-parser") as record:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=SECONDS + 240, cwd=ROOT, check=False
        )
        output = done.stdout + done.stderr
        runs = re.search(r"Done (\d+) runs in (\d+) second", output)
        record.runs = int(runs.group(1)) if runs else 0
        record.failures = 0 if done.returncode == 0 else 1
        record.extra.update(
            seconds=SECONDS,
            corpus=len(list(found.iterdir())),
            coverage=_stat(output, "cov"),
            features=_stat(output, "ft"),
        )
    crashes = [
        p.name for p in tmp_path.iterdir() if p.name.startswith(("crash-", "timeout-", "oom-"))
    ]
    assert done.returncode == 0 and crashes == [], output[-4000:]
    assert record.runs > 0, output[-4000:]


def _stat(output: str, name: str) -> int:
    values = re.findall(rf"\b{name}: (\d+)", output)
    return int(values[-1]) if values else 0


if __name__ == "__main__":
    main(sys.argv)
