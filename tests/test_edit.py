"""Editing note files: only the lines that must change, atomically, never over a newer file."""

from __future__ import annotations

import re
import string
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from iiv.edit import (
    complete_task,
    content_hash,
    create_note,
    read,
    set_properties_in_notes,
    set_property,
    snooze_task,
)
from iiv.errors import EditConflict, EditRefused, NoteExists, NoteNotFound
from iiv.note import parse_note
from iiv.patch import replace_line, with_property, with_task_completed, yaml_scalar
from iiv.tasks import complete_line
from tests.helpers import make_vault

TODAY = date(2026, 11, 26)
BOM = b"\xef\xbb\xbf"
TASK = "- [ ] Send [[Ada]] the article 📅 2026-11-30"
DONE = "- [x] Send [[Ada]] the article 📅 2026-11-30 ✅ 2026-11-26"
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def file_lines(data: bytes) -> list[bytes]:
    """The file's lines with their endings, split the way notes count lines (at LF only)."""
    return re.findall(rb"[^\n]*\n|[^\n]+$", data.removeprefix(BOM))


def edit_file(tmp_path: Path, data: bytes, rel: str = "notes/todo.md") -> tuple[Path, Path, str]:
    root = make_vault(tmp_path, {rel: data})
    return root, root / rel, content_hash(data)


def temp_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".iiv-" in p.name)


# Completing and snoozing tasks


@pytest.mark.parametrize(
    ("endings", "bom", "task_line"),
    [
        (["\n", "\n", "\n", "\n"], False, 3),
        (["\r\n", "\r\n", "\r\n", "\r\n"], False, 3),
        (["\r\n", "\n", "\r\n", "\n"], False, 3),
        (["\n", "\r\n", "\n", "\r\n"], False, 3),
        (["\n", "\n", "\n", "\n"], True, 1),
        (["\n", "\n", "\n", ""], False, 2),
        (["\r\n", "\r\n", "\r\n", ""], True, 4),
    ],
    ids=["lf", "crlf", "mixed", "mixed-other-way", "bom", "no-final-newline", "last-line"],
)
def test_completing_a_task_changes_exactly_that_line(
    tmp_path: Path, endings: list[str], bom: bool, task_line: int
) -> None:
    lines = ["# Todo", "", "Ada liked it.", "See [[Ada]]"]
    lines[task_line - 1] = TASK
    before = (BOM if bom else b"") + "".join(map(str.__add__, lines, endings)).encode()
    root, path, digest = edit_file(tmp_path, before)

    new_hash = complete_task(root, "notes/todo.md", task_line, digest, TODAY)

    after = path.read_bytes()
    assert new_hash == content_hash(after)
    old, new = file_lines(before), file_lines(after)
    assert len(new) == len(old)
    assert [n for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b] == [task_line]
    assert new[task_line - 1] == (DONE + endings[task_line - 1]).encode()
    assert after.startswith(BOM) == bom


def test_completing_a_recurring_task_inserts_the_next_occurrence_above(tmp_path: Path) -> None:
    before = (
        b"# Habits\r\n- [ ] Call Mum \xf0\x9f\x94\x81 every week \xf0\x9f\x93\x85 2026-11-24\r\nEnd"
    )
    root, path, digest = edit_file(tmp_path, before)

    complete_task(root, "notes/todo.md", 2, digest, TODAY)

    assert path.read_bytes().decode() == (
        "# Habits\r\n"
        "- [ ] Call Mum 🔁 every week 📅 2026-12-01\r\n"
        "- [x] Call Mum 🔁 every week 📅 2026-11-24 ✅ 2026-11-26\r\n"
        "End"
    )


def test_completing_a_recurring_last_line_without_newline_keeps_it_without(
    tmp_path: Path,
) -> None:
    before = "Intro\n- [ ] Review 🔁 every month 📅 2026-11-30".encode()
    root, path, digest = edit_file(tmp_path, before)

    complete_task(root, "notes/todo.md", 2, digest, TODAY)

    assert path.read_bytes().decode() == (
        "Intro\n- [ ] Review 🔁 every month 📅 2026-12-30\n"
        "- [x] Review 🔁 every month 📅 2026-11-30 ✅ 2026-11-26"
    )


def test_snoozing_a_task_changes_only_the_digits_of_its_due_date(tmp_path: Path) -> None:
    before = f"---\ntype: note\n---\r\n{TASK} ^blk\r\nAfter\n".encode()
    root, path, digest = edit_file(tmp_path, before)

    snooze_task(root, "notes/todo.md", 4, 3, digest, TODAY)

    assert path.read_bytes() == before.replace(b"2026-11-30", b"2026-12-03")


def test_a_line_without_a_task_is_refused_and_the_file_is_unchanged(tmp_path: Path) -> None:
    before = b"# Todo\nJust prose\n"
    root, path, digest = edit_file(tmp_path, before)

    with pytest.raises(EditRefused) as error:
        complete_task(root, "notes/todo.md", 2, digest, TODAY)

    assert str(error.value) == "notes/todo.md:2: there is no task on that line"
    assert path.read_bytes() == before
    assert temp_files(path.parent) == []


def test_a_task_inside_a_code_block_is_not_completed(tmp_path: Path) -> None:
    before = f"Example:\n```\n{TASK}\n```\n".encode()
    root, path, digest = edit_file(tmp_path, before)

    with pytest.raises(EditRefused) as error:
        complete_task(root, "notes/todo.md", 3, digest, TODAY)

    assert str(error.value) == (
        "notes/todo.md:3: that line is in a code block or the front-matter, not a task"
    )
    assert path.read_bytes() == before


def test_completing_a_done_task_is_refused(tmp_path: Path) -> None:
    root, _, digest = edit_file(tmp_path, f"{DONE}\n".encode())

    with pytest.raises(EditRefused, match=r"^notes/todo.md:1: the task is already done$"):
        complete_task(root, "notes/todo.md", 1, digest, TODAY)


@pytest.mark.parametrize("line", [0, 3, 99])
def test_a_line_past_the_end_is_not_found(tmp_path: Path, line: int) -> None:
    root, _, digest = edit_file(tmp_path, f"# Todo\n{TASK}\n".encode())

    with pytest.raises(NoteNotFound) as error:
        complete_task(root, "notes/todo.md", line, digest, TODAY)

    assert str(error.value) == f"notes/todo.md:{line}: no such line"


def test_replace_line_keeps_the_replaced_lines_own_ending_in_a_mixed_file() -> None:
    data = b"a\r\nb\nc\r\nd"

    assert replace_line(data, 2, ["B"]) == b"a\r\nB\nc\r\nd"
    assert replace_line(data, 3, ["new", "C"]) == b"a\r\nb\nnew\nC\r\nd"
    assert replace_line(data, 4, ["new", "D"]) == b"a\r\nb\nc\r\nnew\r\nD"
    assert replace_line(BOM + b"x\n", 1, ["new", "y"]) == BOM + b"new\ny\n"


# Setting properties

PERSON = (
    "---\n"
    "type: interview   # kept as it is\n"
    'person: "[[Ada Lovelace]]"\n'
    "# the status moves along: prospect, requested, done\n"
    "status: requested  # waiting for an answer\n"
    "tags: [woodworking, 'hand tools']\n"
    "---\n"
    "# Coffee with Ada\n"
)


def test_setting_a_property_changes_only_its_value(tmp_path: Path) -> None:
    root, path, digest = edit_file(tmp_path, PERSON.encode(), "interviews/ada.md")

    new_hash = set_property(root, "interviews/ada.md", "status", "done", digest)

    expected = PERSON.replace("status: requested  #", "status: done  #")
    assert path.read_bytes().decode() == expected
    assert new_hash == content_hash(expected.encode())


def test_setting_a_missing_property_adds_it_before_the_closing_dashes(tmp_path: Path) -> None:
    root, path, digest = edit_file(tmp_path, PERSON.encode(), "interviews/ada.md")

    set_property(root, "interviews/ada.md", "thanked", "2026-11-27", digest)

    expected = PERSON.replace("---\n# Coffee", "thanked: 2026-11-27\n---\n# Coffee")
    assert path.read_bytes().decode() == expected
    assert parse_note("interviews/ada.md", path.read_bytes()).thanked == date(2026, 11, 27)


def test_a_property_added_to_a_crlf_front_matter_ends_with_crlf(tmp_path: Path) -> None:
    before = BOM + b"---\r\ntype: interview\r\n---\nBody without final newline"
    root, path, digest = edit_file(tmp_path, before)

    set_property(root, "notes/todo.md", "thanked", "2026-11-27", digest)

    assert path.read_bytes() == before.replace(
        b"interview\r\n", b"interview\r\nthanked: 2026-11-27\r\n"
    )


def test_a_cr_only_note_is_edited_line_by_line_and_keeps_its_line_endings(tmp_path: Path) -> None:
    before = f"---\rtype: interview\r---\rNotes\r{TASK}\rEnd".encode()
    root, path, digest = edit_file(tmp_path, before)
    assert [task.line for task in parse_note("notes/todo.md", before).tasks] == [5]

    digest = complete_task(root, "notes/todo.md", 5, digest, TODAY)
    set_property(root, "notes/todo.md", "thanked", "2026-11-27", digest)

    expected = f"---\rtype: interview\rthanked: 2026-11-27\r---\rNotes\r{DONE}\rEnd"
    assert path.read_bytes() == expected.encode()


def test_a_utf16_note_is_read_but_never_edited(tmp_path: Path) -> None:
    before = b"\xff\xfe" + f"# Todo\r\n{TASK}\r\n".encode("utf-16-le")
    root, path, digest = edit_file(tmp_path, before)
    assert [task.line for task in parse_note("notes/todo.md", before).tasks] == [2]

    with pytest.raises(EditRefused) as refused:
        complete_task(root, "notes/todo.md", 2, digest, TODAY)

    assert str(refused.value) == (
        "notes/todo.md:2: saved as UTF-16: iiv changes only UTF-8 files; save it as UTF-8 first"
    )
    assert path.read_bytes() == before


def test_a_note_without_front_matter_gets_one_at_the_top_after_the_bom(tmp_path: Path) -> None:
    before = BOM + b"# Ada\r\n\r\nMet at the fair.\r\n"
    root, path, digest = edit_file(tmp_path, before)

    set_property(root, "notes/todo.md", "status", "done", digest)

    assert (
        path.read_bytes()
        == BOM + b"---\r\nstatus: done\r\n---\r\n# Ada\r\n\r\nMet at the fair.\r\n"
    )


def test_replacing_a_block_list_removes_its_items_and_keeps_what_follows(tmp_path: Path) -> None:
    before = (
        "---\ntags:\n- a\n  # about b\n\n- b\n# people\n\nperson: x\npeople:\n  - '[[Ada]]'\n---\n"
    )
    root, path, digest = edit_file(tmp_path, before.encode())

    set_property(root, "notes/todo.md", "tags", "x", digest)
    set_property(root, "notes/todo.md", "people", "[[Bo]]", content_hash(path.read_bytes()))

    assert path.read_bytes().decode() == (
        '---\ntags: x\n# people\n\nperson: x\npeople: "[[Bo]]"\n---\n'
    )


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("status:", "status: done"),
        ("status:\t", "status:\tdone"),
        ("status:   # unknown yet", "status:   done # unknown yet"),
        ("status: 'it''s # not a comment'  # a comment", "status: done  # a comment"),
        ('status: "a \\" # b" # c', "status: done # c"),
        ("status: >-\n  folded\n  text", "status: done"),
        ("'status' : a  # quoted key", "'status' : done  # quoted key"),
    ],
)
def test_a_replaced_value_keeps_the_key_spacing_and_trailing_comment(
    line: str, expected: str
) -> None:
    data = f"---\nname: Ada\n{line}\nrole: CTO\n---\n".encode()

    assert (
        with_property(data, "status", "done")
        == f"---\nname: Ada\n{expected}\nrole: CTO\n---\n".encode()
    )


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("2026-11-27", "2026-11-27"),
        ("done", "done"),
        ("no", "no"),
        ("Grindstone Café, Ancoats", "Grindstone Café, Ancoats"),
        ("[[Ada Lovelace]]", '"[[Ada Lovelace]]"'),
        ("note: it", '"note: it"'),
        ("C#", "C#"),
        ("C# #1", '"C# #1"'),
        ("a #b", '"a #b"'),
        ("", '""'),
        ("null", '"null"'),
        ("~", '"~"'),
        (" padded", '" padded"'),
        ("- item", '"- item"'),
        ('say "hi"', 'say "hi"'),
        ('"quoted"', '"\\"quoted\\""'),
        ("back\\slash\tand\nline", '"back\\\\slash\\tand\\x0aline"'),
        ("@handle", '"@handle"'),
        ("*star", '"*star"'),
    ],
)
def test_values_are_quoted_only_when_they_would_not_read_back_as_text(
    value: str, written: str
) -> None:
    assert yaml_scalar(value) == written
    note = parse_note("x.md", with_property(b"---\na: 1\n---\n", "key", value))
    assert note.meta["key"] == value


@pytest.mark.parametrize(
    ("before", "message"),
    [
        (
            "---\nstatus: [a\n---\n",
            "the front-matter is not valid YAML: fix it in your editor first",
        ),
        ("---\nstatus: a\nstatus: b\n---\n", "status is set 2 times in the front-matter: keep one"),
        (
            "---\nstatus: a\n\n# Heading\n",
            "the front-matter on line 1 is never closed with ---: fix it first",
        ),
        (
            "---\n<<<<<<< HEAD\nstatus: a\n=======\nstatus: b\n>>>>>>> x\n---\n",
            "has git conflict markers: resolve the merge first",
        ),
        (
            "---\n{status: a}\n---\n",
            "cannot find the line that sets status: edit it in your editor",
        ),
    ],
)
def test_setting_a_property_in_a_front_matter_it_cannot_read_is_refused(
    tmp_path: Path, before: str, message: str
) -> None:
    root, path, digest = edit_file(tmp_path, before.encode())

    with pytest.raises(EditRefused) as error:
        set_property(root, "notes/todo.md", "status", "done", digest)

    assert str(error.value) == f"notes/todo.md: {message}"
    assert path.read_bytes() == before.encode()
    assert temp_files(path.parent) == []


# Safety: conflicts, encodings, modes, temp files, paths


def test_a_stale_hash_is_a_conflict_and_nothing_is_written(tmp_path: Path) -> None:
    before = f"{TASK}\n".encode()
    root, path, digest = edit_file(tmp_path, before)
    path.write_bytes(before + b"Added in Obsidian meanwhile\n")

    with pytest.raises(EditConflict) as error:
        complete_task(root, "notes/todo.md", 1, digest, TODAY)

    assert str(error.value) == (
        "notes/todo.md changed since it was read; nothing was written. Reload and try again."
    )
    assert path.read_bytes() == before + b"Added in Obsidian meanwhile\n"
    assert temp_files(path.parent) == []


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    before = b"- [ ] Caf\xe9 with Ada\n"
    root, path, digest = edit_file(tmp_path, before)

    with pytest.raises(EditRefused) as error:
        complete_task(root, "notes/todo.md", 1, digest, TODAY)

    assert str(error.value) == "notes/todo.md:1: not valid UTF-8: edit it in your editor first"
    assert path.read_bytes() == before


def test_an_edit_keeps_the_files_permission_mode(tmp_path: Path) -> None:
    root, path, digest = edit_file(tmp_path, f"{TASK}\n".encode())
    path.chmod(0o640)

    complete_task(root, "notes/todo.md", 1, digest, TODAY)

    assert path.stat().st_mode & 0o777 == 0o640


def test_no_temp_file_is_left_after_a_successful_edit(tmp_path: Path) -> None:
    root, path, digest = edit_file(tmp_path, f"{TASK}\n".encode())

    complete_task(root, "notes/todo.md", 1, digest, TODAY)

    assert sorted(p.name for p in path.parent.iterdir()) == ["todo.md"]


def test_an_edit_that_changes_nothing_does_not_rewrite_the_file(tmp_path: Path) -> None:
    root, path, digest = edit_file(tmp_path, b"---\nstatus: done\n---\n")
    inode = path.stat().st_ino

    assert set_property(root, "notes/todo.md", "status", "done", digest) == digest
    assert path.stat().st_ino == inode


def test_editing_through_a_symlink_keeps_the_symlink(tmp_path: Path) -> None:
    root, path, digest = edit_file(tmp_path, f"{TASK}\n".encode())
    (root / "link.md").symlink_to(path)

    complete_task(root, "link.md", 1, digest, TODAY)

    assert (root / "link.md").is_symlink()
    assert path.read_bytes().decode() == f"{DONE}\n"


def test_properties_set_in_many_notes_at_once_refuse_only_the_changed_ones(
    tmp_path: Path,
) -> None:
    notes = {f"people/p{i}.md": f"---\ntype: person\n---\n# P{i}\n" for i in range(5)}
    root = make_vault(tmp_path, notes)
    digests = {rel: content_hash(text.encode()) for rel, text in notes.items()}
    (root / "people/p1.md").write_text("---\ntype: person\n---\n# Edited\n", encoding="utf-8")
    (root / "people/p2.md").unlink()
    (root / "people/p3.md").chmod(0o640)
    updates = [(rel, {"role": "Analyst", "tags": ["a", "b"]}, digests[rel]) for rel in notes]
    updates.append(("people/p4.md", {}, digests["people/p4.md"]))  # nothing to change

    outcomes = set_properties_in_notes(root, updates)

    assert [None if o is None else str(o) for o in outcomes] == [
        None,
        "people/p1.md changed since it was read; nothing was written. Reload and try again.",
        "people/p2.md: no such note in this vault",
        None,
        None,
        None,
    ]
    for i in (0, 3, 4):
        assert (root / f"people/p{i}.md").read_text(encoding="utf-8") == (
            f"---\ntype: person\nrole: Analyst\ntags: [a, b]\n---\n# P{i}\n"
        )
    assert (root / "people/p1.md").read_text(encoding="utf-8").endswith("# Edited\n")
    assert (root / "people/p3.md").stat().st_mode & 0o777 == 0o640
    assert temp_files(root / "people") == []


def test_read_returns_the_bytes_and_their_hash(tmp_path: Path) -> None:
    root, _, digest = edit_file(tmp_path, b"hello\n")

    assert read(root, "notes/todo.md") == (b"hello\n", digest)


@pytest.mark.parametrize("rel", ["../outside.md", "/etc/passwd", ".obsidian/x.md", "notes/x.txt"])
def test_paths_outside_the_vault_or_ignored_are_not_notes(tmp_path: Path, rel: str) -> None:
    root = make_vault(tmp_path, {"notes/x.txt": "text", ".obsidian/x.md": "x"})
    (tmp_path / "outside.md").write_text("secret")

    with pytest.raises(NoteNotFound):
        read(root, rel)
    with pytest.raises(NoteNotFound):
        set_property(root, rel, "status", "done", content_hash(b"x"))


# Creating notes


def test_create_note_creates_folders_and_writes_the_text_exactly(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {})

    path = create_note(root, "people/new/Ada Lovelace.md", "---\r\ntype: person\r\n---\r\n")

    assert path == root / "people/new/Ada Lovelace.md"
    assert path.read_bytes() == b"---\r\ntype: person\r\n---\r\n"
    assert temp_files(path.parent) == []


def test_create_note_never_overwrites(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": "mine"})

    with pytest.raises(NoteExists) as error:
        create_note(root, "people/Ada.md", "theirs")

    assert (
        str(error.value)
        == "people/Ada.md already exists; nothing was written. Choose another name."
    )
    assert (root / "people/Ada.md").read_text() == "mine"
    assert sorted(p.name for p in (root / "people").iterdir()) == ["Ada.md"]


@pytest.mark.parametrize(
    ("rel", "message"),
    [
        ("../x.md", "../x.md: not inside the vault; give a path like people/Ada.md"),
        ("/tmp/x.md", "/tmp/x.md: not inside the vault; give a path like people/Ada.md"),
        (
            "people/../../x.md",
            "people/../../x.md: not inside the vault; give a path like people/Ada.md",
        ),
        (
            ".obsidian/x.md",
            ".obsidian/x.md: iiv does not read notes there (a name must end in .md, must not"
            " start with '.', and must not be in the templates folder)",
        ),
        (
            "people/ada.txt",
            "people/ada.txt: iiv does not read notes there (a name must end in .md, must not"
            " start with '.', and must not be in the templates folder)",
        ),
    ],
)
def test_create_note_refuses_paths_outside_the_vault_or_ignored(
    tmp_path: Path, rel: str, message: str
) -> None:
    root = make_vault(tmp_path, {})

    with pytest.raises(EditRefused) as error:
        create_note(root, rel, "x")

    assert str(error.value) == message
    assert not (tmp_path / "x.md").exists()


def test_create_note_refuses_a_folder_symlinked_out_of_the_vault(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {})
    (tmp_path / "elsewhere").mkdir()
    (root / "people").symlink_to(tmp_path / "elsewhere")

    with pytest.raises(EditRefused, match="that folder leads outside the vault"):
        create_note(root, "people/Ada.md", "x")

    assert list((tmp_path / "elsewhere").iterdir()) == []


# Properties: random files


LINE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\x00`~"), max_size=30
)
ENDING = st.sampled_from(["\n", "\r\n"])


@st.composite
def files_with_a_task(draw: st.DrawFn) -> tuple[bytes, int, str, str]:
    lines = draw(st.lists(LINE_TEXT, max_size=12))
    indent = draw(st.sampled_from(["", "  ", "\t", "> "]))
    marker = draw(st.sampled_from(["-", "*", "+", "1."]))
    words = draw(st.text(string.ascii_letters + " ", min_size=1, max_size=20))
    due = draw(st.sampled_from(["", " 📅 2026-12-01", " ⏳ 2026-11-01", " ^id-1"]))
    task = f"{indent}{marker} [ ] {words}{due}"
    index = draw(st.integers(0, len(lines)))
    lines.insert(index, task)
    assume(lines[0].rstrip() != "---")  # no front-matter to hide the task in
    endings = [draw(ENDING) for _ in lines]
    if not draw(st.booleans()):
        endings[-1] = ""
    bom = draw(st.sampled_from(["", "\ufeff"]))
    text = bom + "".join(line + end for line, end in zip(lines, endings, strict=True))
    return text.encode("utf-8"), index + 1, task, endings[index]


@FAST
@given(files_with_a_task())
def test_completing_a_random_file_changes_exactly_the_task_line(
    case: tuple[bytes, int, str, str],
) -> None:
    data, line, task, ending = case
    assume(line in {t.line for t in parse_note("x.md", data).tasks})

    after = with_task_completed(data, line, TODAY)

    old, new = file_lines(data), file_lines(after)
    assert len(new) == len(old)
    assert [n for n, (a, b) in enumerate(zip(old, new, strict=True), 1) if a != b] == [line]
    assert new[line - 1] == (complete_line(task, TODAY)[0] + ending).encode()


KEYS = st.from_regex(r"[a-z][a-z_]{0,7}", fullmatch=True).filter(lambda k: k != "null")
PLAIN = st.from_regex(r"([A-Za-z0-9][A-Za-z0-9 ./-]{0,10})?", fullmatch=True).map(str.strip)
VALUES = st.text(string.ascii_letters + string.digits + " -:#[]{}'\"\\,.!?&*|>%@`\t", max_size=16)


@st.composite
def front_matters(draw: st.DrawFn) -> tuple[bytes, list[str]]:
    properties = draw(st.dictionaries(KEYS, PLAIN, max_size=6))
    lines = ["---"]
    for key, value in properties.items():
        style = draw(st.sampled_from(["plain", "single", "comment-after", "comment-line"]))
        if style == "comment-line":
            lines.append("# " + draw(PLAIN))
        quoted = f"'{value}'" if style == "single" else value
        lines.append(f"{key}: {quoted}" + ("  # note" if style == "comment-after" else ""))
    lines += ["---", *draw(st.lists(LINE_TEXT, max_size=4))]
    endings = [draw(ENDING) for _ in lines]
    text = "".join(line + end for line, end in zip(lines, endings, strict=True))
    return text.encode("utf-8"), list(properties)


@FAST
@given(front_matters(), KEYS, VALUES, st.booleans())
def test_setting_a_random_property_changes_or_adds_one_line_and_reads_back(
    case: tuple[bytes, list[str]], new_key: str, value: str, existing: bool
) -> None:
    data, keys = case
    key = keys[0] if existing and keys else new_key
    before = parse_note("x.md", data)

    after = parse_note("x.md", with_property(data, key, value))

    old, new = file_lines(data), file_lines(with_property(data, key, value))
    changed = [n for n, (a, b) in enumerate(zip(old, new, strict=False), 1) if a != b]
    if key in keys:
        assert len(new) == len(old)
        assert changed in ([], [before.key_lines[key]])  # [] when the value was already set
    else:
        added = changed[0]  # the closing --- moved down at least
        assert len(new) == len(old) + 1
        assert new[added - 1].decode().startswith(f"{key}: ")
        assert new[: added - 1] + new[added:] == old
    assert after.meta[key] == value
    assert {k: v for k, v in after.meta.items() if k != key} == {
        k: v for k, v in before.meta.items() if k != key
    }
