"""The steps of a conversation from the terminal: every command, every refusal, and undo.

Each runs against a private copy of the example vault; the undo journal goes to the test's own
index folder (`--index-dir` through IIV_INDEX_DIR).
"""

from __future__ import annotations

import json
from difflib import SequenceMatcher
from itertools import zip_longest
from pathlib import Path

import pytest
from click.testing import CliRunner

from iiv.cli import cli
from tests.helpers import files, make_vault

CHIARA = "interviews/2026-11-20 Chiara Bianchi.md"
LUCIA = "interviews/2026-11-28 Lucía Fernández.md"
OLU = "interviews/2026-11-05 Oluwaseun Adeyemi.md"
INES = "interviews/2026-11-30 Ines Carvalho.md"
KENJI = "interviews/2026-12-03 Kenji Watanabe and Amara Okafor.md"
FARAH = "people/Farah Haddad.md"


@pytest.fixture
def vault(example_vault: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("IIV_VAULT", str(example_vault))
    monkeypatch.setenv("IIV_INDEX_DIR", str(tmp_path / "index"))
    return example_vault


def iiv(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def changes(before: bytes, after: bytes) -> list[tuple[str, str]]:
    """(old, new) for each line that differs; a line added shows as ("", new)."""
    old, new = before.decode().split("\n"), after.decode().split("\n")
    found: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag != "equal":
            found += zip_longest(old[i1:i2], new[j1:j2], fillvalue="")
    return found


def test_the_example_request_is_scheduled_done_and_thanked_by_name_and_undone(
    vault: Path, today: str
) -> None:
    note = vault / CHIARA
    versions = [note.read_bytes()]
    code, out = iiv("schedule", "Chiara Bianchi", "--date", "2026-12-10T14:00")
    assert (code, out) == (
        0,
        "Chiara Bianchi scheduled for 2026-12-10 14:00\n"
        f"  {CHIARA}: lines 4, 9, 10 (iiv undo takes it back)\n",
    )
    versions.append(note.read_bytes())
    assert changes(versions[0], versions[1]) == [
        ("status: requested", "status: scheduled"),
        ("", f"answered: {today}"),  # the day the answer came, for the reply times
        ("", "date: 2026-12-10 14:00"),
    ]
    code, out = iiv("status", "chiara bianchi", "done", "--date", "2026-12-10")
    assert (code, out) == (
        0,
        f"Conversation with Chiara Bianchi done\n  {CHIARA}: line 4 (iiv undo takes it back)\n",
    )
    versions.append(note.read_bytes())
    assert changes(versions[1], versions[2]) == [("status: scheduled", "status: done")]
    code, out = iiv("thanked", "CHIARA BIANCHI", "--date", "2026-12-11")
    assert (code, out) == (
        0,
        f"Chiara Bianchi thanked\n  {CHIARA}: line 11 (iiv undo takes it back)\n",
    )
    versions.append(note.read_bytes())
    assert changes(versions[2], versions[3]) == [("", "thanked: 2026-12-11")]
    for summary in (
        "Chiara Bianchi thanked",
        "Conversation with Chiara Bianchi done",
        "Chiara Bianchi scheduled for 2026-12-10 14:00",
    ):
        versions.pop()
        assert iiv("undo") == (0, f"Undone: {summary} ({CHIARA})\n")
        assert note.read_bytes() == versions[-1]
    assert iiv("undo") == (
        1,
        "Error: nothing to undo: iiv has made no change in this vault lately\n",
    )


@pytest.mark.parametrize(
    ("args", "path", "lines", "change"),
    [
        (
            ["request", "Ines Carvalho", "--date", "2026-12-02"],
            INES,
            [4, 8],
            ("status: prospect", "status: requested"),
        ),
        (
            ["nudged", "Chiara Bianchi", "--date", "2026-11-28"],
            CHIARA,
            [9],
            ("", "nudged: 2026-11-28"),
        ),
        (
            ["status", "Oluwaseun Adeyemi", "no-reply"],
            OLU,
            [4],
            ("status: requested", "status: no-reply"),
        ),
        (
            ["status", CHIARA, "declined", "--date", "2026-11-24"],
            CHIARA,
            [4, 9],
            ("", "answered: 2026-11-24"),
        ),
        (
            ["status", "Kenji Watanabe", "cancelled"],
            KENJI,
            [7],
            ("status: scheduled", "status: cancelled"),
        ),
        (
            ["status", "Ines Carvalho", "requested", "--date", "2026-12-02"],
            INES,
            [4, 8],
            ("status: prospect", "status: requested"),
        ),
        (
            ["thanked", "lucia fernandez", "--date", "2026-11-29"],
            LUCIA,
            [11],
            ("", "thanked: 2026-11-29"),
        ),
        (
            ["contacted", "Farah Haddad", "--date", "2026-11-30"],
            FARAH,
            [12],
            ("", "last_contact: 2026-11-30"),
        ),
        (
            [
                "schedule",
                "Oluwaseun Adeyemi",
                "--date",
                "2026-12-09",
                "--medium",
                "phone",
                "--location",
                "Lagos",
            ],
            OLU,
            [4, 5, 9, 10, 11],
            ("status: requested", "status: scheduled"),
        ),
    ],
)
def test_each_step_prints_json_of_what_changed(
    vault: Path, args: list[str], path: str, lines: list[int], change: tuple[str, str]
) -> None:
    before = (vault / path).read_bytes()
    code, out = iiv(*args, "--json")
    assert code == 0, out
    printed = json.loads(out)
    assert printed == {"path": path, "lines": lines, "undo": printed["undo"]}
    assert isinstance(printed["undo"], int)
    assert change in changes(before, (vault / path).read_bytes())
    assert iiv("undo", str(printed["undo"]))[0] == 0
    assert (vault / path).read_bytes() == before


def test_done_completes_every_kind_of_row_iiv_due_prints(vault: Path) -> None:
    rows = json.loads(iiv("due", "--today", "2026-12-01", "--json")[1])["items"]
    expected = {
        "task": "- [x] ",
        "thank-you": "thanked: 2026-12-01",
        "nudge": None,  # two rows: a nudge (nudged:) and one past the give-up point (status:)
        "keep-in-touch": "last_contact: 2026-12-01",
        "next-contact": "status: requested",
        "report-back": "reported_back: 2026-12-01",
    }
    seen = set()
    for row in rows:
        if row["kind"] == "prepare" or (row["kind"] in seen and row["kind"] != "nudge"):
            continue
        seen.add(row["kind"])
        before = (vault / row["path"]).read_bytes()
        code, out = iiv("done", f"{row['path']}:{row['line']}", "--date", "2026-12-01")
        assert code == 0, out
        after = (vault / row["path"]).read_text(encoding="utf-8")
        wanted = expected[row["kind"]]
        if wanted is None:
            wanted = "nudged: 2026-12-01" if "politely" in row["action"] else "status: no-reply"
        assert wanted in after, (row, after)
        assert len(changes(before, after.encode())) in (1, 2)
    assert seen == set(expected)


def test_done_on_a_preparation_says_what_clears_it(vault: Path) -> None:
    code, out = iiv("done", f"{KENJI}:6", "--date", "2026-12-01")
    assert (code, out) == (
        1,
        f"Error: {KENJI}:6: preparing is not recorded in the note; the reminder goes once the"
        " conversation is done (iiv status NOTE done) or moved (iiv schedule NOTE --date)\n",
    )


def test_done_on_a_next_contact_never_asked_says_what_clears_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": "---\ntype: person\ncompany: Engines\n---\n",
            "people/Bea.md": "---\ntype: person\ncompany: Engines\n---\n",
            "interviews/2026-11-23 Ada.md": '---\ntype: interview\nperson: "[[Ada]]"\n'
            "status: requested\nrequested: 2026-11-23\n---\n",
        },
    )
    monkeypatch.setenv("IIV_VAULT", str(root))
    monkeypatch.setenv("IIV_INDEX_DIR", str(tmp_path / "index"))
    rows = json.loads(iiv("due", "--today", "2026-11-27", "--json")[1])["items"]
    assert [(r["path"], r["line"]) for r in rows if r["kind"] == "next-contact"] == [
        ("people/Bea.md", 3)
    ]
    before = (root / "people/Bea.md").read_bytes()
    assert iiv("done", "people/Bea.md:3", "--date", "2026-11-27") == (
        1,
        "Error: people/Bea.md:3: asking the next contact is recorded in a conversation with"
        " them (iiv new interview NAME --status requested); the reminder also goes once the"
        " request waiting there is answered or nudged\n",
    )
    assert (root / "people/Bea.md").read_bytes() == before


def test_done_on_the_day_marks_the_conversation_done(vault: Path) -> None:
    code, out = iiv("done", f"{KENJI}:6", "--date", "2026-12-03")
    assert code == 0 and out.startswith("Conversation with Kenji Watanabe, Amara Okafor done\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["thanked", "Chiara Bianchi"],
            "Chiara Bianchi has no conversation that thanked applies to; the latest,"
            f" {CHIARA}: its status is requested; thanked applies to done conversations",
        ),
        (
            ["thanked", CHIARA],
            f"{CHIARA}: its status is requested; thanked applies to done conversations",
        ),
        (
            ["nudged", "Pryia Shah"],
            "no person 'Pryia Shah' in this vault (create one with: iiv new person \"Pryia Shah\")",
        ),
        (["nudged", "Chiara Bianki"], "no person 'Chiara Bianki'; did you mean Chiara Bianchi?"),
        (["contacted", "Welcome"], "Welcome.md is a plain note, not a person note (type: person)"),
        (
            ["contacted", CHIARA],
            f"{CHIARA}: contacted applies to a person note (type: person), not an interview note",
        ),
        (["done", f"{CHIARA}:2"], f"{CHIARA}:2: there is no task on that line"),
        (["done", f"{CHIARA}"], f"{CHIARA}: expected NOTE:LINE, like 'interviews/ada.md:12'"),
        (["done", "../secret.md:1"], "../secret.md: not a note in this vault"),
        (["undo", "99"], "no change 99 in the journal (iiv undo --list shows them)"),
        (
            ["new", "interview", "Lucia Fernandes"],
            "no person 'Lucia Fernandes'; did you mean Lucía Fernández? (a new person? iiv new"
            ' person "Lucia Fernandes" first)',
        ),
    ],
)
def test_a_refusal_is_one_line_and_changes_nothing(
    vault: Path, args: list[str], message: str
) -> None:
    before = files(vault)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output) == (1, f"Error: {message}\n")
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert files(vault) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["status", "Chiara Bianchi", "scheduled"],
            "Invalid value for 'STATUS': a scheduled conversation has a date:"
            " iiv schedule NOTE --date DATE (see iiv status --help)",
        ),
        (
            ["status", "Chiara Bianchi", "maybe"],
            "Invalid value for 'STATUS': 'maybe' is not one of requested, done, declined,"
            " no-reply, cancelled (see iiv status --help)",
        ),
        (["schedule", "Chiara Bianchi"], "Missing option '--date' (see iiv schedule --help)"),
        (
            ["schedule", "Chiara Bianchi", "--date", "2026-13-01"],
            "Invalid value for '--date': 2026-13-01 is not a real date (see iiv schedule --help)",
        ),
        (
            ["thanked", "Lucía Fernández", "--date", "tomorrow"],
            "Invalid value for '--date': expected a date like 2026-11-21, got 'tomorrow'"
            " (see iiv thanked --help)",
        ),
        (
            ["nudged", "Chiara Bianchi", "--date", "2026-11-28T10:00"],
            "Invalid value for '--date': expected a date like 2026-11-21, got"
            " '2026-11-28T10:00' (see iiv nudged --help)",
        ),
        (
            ["undo", "0"],
            "Invalid value for '[CHANGE]': 0 is not in the range x>=1 (see iiv undo --help)",
        ),
        (["contacted"], "Missing argument 'PERSON' (see iiv contacted --help)"),
        (
            ["thank", "Lucía Fernández"],
            "No such command 'thank'. Did you mean 'thanked'? (see iiv --help)",
        ),
        (["--bogus"], "No such option '--bogus' (see iiv --help)"),
    ],
)
def test_a_usage_error_is_one_line_exits_2_and_changes_nothing(
    vault: Path, args: list[str], message: str
) -> None:
    before = files(vault)
    result = CliRunner().invoke(cli, args)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert files(vault) == before


def test_a_group_alone_still_shows_its_help() -> None:
    result = CliRunner().invoke(cli, ["new"])
    assert result.output.startswith("Usage: iiv new [OPTIONS] COMMAND [ARGS]...\n")


def test_an_ambiguous_name_lists_the_candidates(vault: Path) -> None:
    (vault / "people/Chiara Rossi.md").write_text(
        "---\ntype: person\nname: Chiara Rossi\naliases: [Chiara]\n---\n", encoding="utf-8"
    )
    text = (vault / "people/Chiara Bianchi.md").read_text(encoding="utf-8")
    (vault / "people/Chiara Bianchi.md").write_text(
        text.replace("name: Chiara Bianchi\n", "name: Chiara Bianchi\naliases: [Chiara]\n"),
        encoding="utf-8",
    )
    assert iiv("nudged", "chiara") == (
        1,
        "Error: 'chiara' is ambiguous: people/Chiara Bianchi.md, people/Chiara Rossi.md;"
        " give the note's path\n",
    )


def test_undo_refuses_a_note_changed_since(vault: Path) -> None:
    iiv("contacted", "Farah Haddad", "--date", "2026-11-30")
    with open(vault / FARAH, "a", encoding="utf-8") as handle:
        handle.write("Called her about the meetup.\n")
    edited = (vault / FARAH).read_bytes()
    assert iiv("undo") == (
        1,
        f"Error: {FARAH} changed since iiv wrote it (Farah Haddad contacted on 2026-11-30);"
        " nothing was undone\n",
    )
    assert (vault / FARAH).read_bytes() == edited


def test_undo_list_shows_the_newest_first(vault: Path) -> None:
    assert iiv("undo", "--list") == (0, "No changes recorded in this vault yet.\n")
    iiv("nudged", "Chiara Bianchi", "--date", "2026-11-28")
    iiv("contacted", "Farah Haddad", "--date", "2026-11-30")
    iiv("undo")
    code, out = iiv("undo", "--list")
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4
    assert lines[0].startswith("    2  ") and lines[0].endswith(
        "  Farah Haddad contacted on 2026-11-30 (undone)"
    )
    assert lines[1] == f"{'':24}{FARAH}"
    assert lines[2].endswith("  Chiara Bianchi nudged on 2026-11-28")
    listed = json.loads(iiv("undo", "--list", "--json")[1])["items"]
    assert [(e["id"], e["path"], e["lines"], e["undone"]) for e in listed] == [
        (2, FARAH, [12], True),
        (1, CHIARA, [9], False),
    ]


def test_new_notes_are_undoable_and_a_known_name_is_used_as_written(vault: Path) -> None:
    code, out = iiv("new", "interview", "lucia fernandez", "--date", "2026-12-15")
    assert (code, out) == (0, "interviews/2026-12-15 Lucía Fernández.md\n")
    text = (vault / "interviews/2026-12-15 Lucía Fernández.md").read_text(encoding="utf-8")
    assert 'person: "[[Lucía Fernández]]"' in text
    assert iiv("undo") == (
        0,
        "Undone: interviews/2026-12-15 Lucía Fernández.md created"
        " (interviews/2026-12-15 Lucía Fernández.md)\n",
    )
    assert not (vault / "interviews/2026-12-15 Lucía Fernández.md").exists()


def test_the_journal_lives_beside_the_index_outside_the_vault(vault: Path, tmp_path: Path) -> None:
    iiv("nudged", "Chiara Bianchi")
    assert (tmp_path / "index" / "journal.sqlite").is_file()
    assert not [p for p in vault.rglob("*") if "journal" in p.name]


@pytest.mark.parametrize(
    "args", [["nudged", "Chiara Bianchi"], ["new", "interview", "Chiara Bianchi"]]
)
def test_nothing_is_written_when_the_journal_cannot_record_it(
    vault: Path, tmp_path: Path, args: list[str]
) -> None:
    book = tmp_path / "index" / "journal.sqlite"
    book.parent.mkdir()
    book.write_bytes(b"not a database" * 100)
    before = {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()}
    assert iiv(*args) == (
        1,
        f"Error: the undo journal {book} cannot be used: file is not a database; delete it to"
        " start a new one (what it holds can then no longer be undone)\n",
    )
    assert {p: p.read_bytes() for p in vault.rglob("*") if p.is_file()} == before
