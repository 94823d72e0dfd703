"""The vault on disk: the ignore rule, the walk (with symlinks), note paths, and vault problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from iiv.config import Config
from iiv.errors import NoteNotFound, VaultNotFound
from iiv.links import Link
from iiv.vault import is_ignored, load, note_file, read_note, scan, vault_root
from tests.helpers import make_vault

CONFIG = Config()
PERSON = "---\ntype: person\n---\n"


def walk(root: Path, config: Config = CONFIG) -> tuple[list[str], list[str]]:
    """The note paths found and the problems, as text."""
    found, problems = scan(vault_root(root), config)
    return sorted(found), sorted(str(p) for p in problems)


# The ignore rule.


@pytest.mark.parametrize(
    "path",
    [
        "Welcome.md",
        "people/Ada Lovelace.md",
        "people/ada.MD",
        "a/b/c/deep.md",
        "templates.md",
        "templates and more/x.md",
        "Z - Templates/x.md",
        "people/ada.sync-conflict-20261121-101500-ABCDEF7.md",
        "people/ada (Laptop's conflicted copy 2026-11-21).md",
    ],
)
def test_notes_are_not_ignored(path: str) -> None:
    assert not is_ignored(path, CONFIG)


@pytest.mark.parametrize(
    "path",
    [
        ".obsidian/workspace.md",
        ".trash/old.md",
        ".stversions/people/ada~20261121-101500.md",
        "people/.ada.md.swp",
        ".syncthing.ada.md.tmp",
        "people/.hidden.md",
        "people/.git/x.md",
        "people/ada.md~",
        "people/#ada.md#",
        "people/4913",
        "photo.png",
        "notes.txt",
        ".md",
        "templates/person.md",
        "templates/sub/interview.md",
        "people/templates/x.md",
        "Areas/Templates/Meeting.md",
        "Vault 2/Template/person.md",
        "_templates/x.md",
        "99 Templates/x.md",
        "📝 Templates/x.md",
        "",
    ],
)
def test_dot_files_non_markdown_and_templates_are_ignored(path: str) -> None:
    assert is_ignored(path, CONFIG)


def test_the_templates_folder_comes_from_the_settings() -> None:
    config = Config(templates="meta/blueprints")
    assert is_ignored("meta/blueprints/person.md", config)
    assert not is_ignored("blueprints/person.md", config)
    assert not is_ignored("meta/other.md", config)
    assert is_ignored("meta/templates/person.md", config)


# The walk.


def test_scan_finds_every_note_with_size_and_time(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "Welcome.md": "hello",
            "people/Ada.md": PERSON,
            "a/b/c/deep.md": "deep",
            ".obsidian/app.md": "x",
            "templates/person.md": "---\ndate: {{date}}\n---\n",
            "photo.png": b"\x89PNG",
            "people/ada.md~": "backup",
        },
    )
    found, problems = scan(vault_root(root), CONFIG)
    assert sorted(found) == ["Welcome.md", "a/b/c/deep.md", "people/Ada.md"]
    assert problems == []
    stat = found["Welcome.md"]
    assert (stat.path, stat.size) == ("Welcome.md", 5)
    assert stat.mtime_ns == (root / "Welcome.md").stat().st_mtime_ns


def test_an_empty_vault_has_no_notes(tmp_path: Path) -> None:
    assert walk(make_vault(tmp_path, {})) == ([], [])


def test_a_symlinked_file_inside_the_vault_is_read(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": PERSON})
    (root / "Ada link.md").symlink_to(root / "people" / "Ada.md")
    assert walk(root) == (["Ada link.md", "people/Ada.md"], [])


def test_a_symlinked_file_outside_the_vault_is_skipped_with_a_problem(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"Welcome.md": "hi"})
    secret = tmp_path / "secret.md"
    secret.write_text("private", encoding="utf-8")
    (root / "leak.md").symlink_to(secret)
    assert walk(root) == (
        ["Welcome.md"],
        ["leak.md: symlink to a file outside the vault: not read"],
    )


def test_a_relative_symlink_that_climbs_out_of_the_vault_is_skipped(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": PERSON})
    (tmp_path / "outside.md").write_text("x", encoding="utf-8")
    (root / "people" / "out.md").symlink_to(Path("..") / ".." / "outside.md")
    assert walk(root) == (
        ["people/Ada.md"],
        ["people/out.md: symlink to a file outside the vault: not read"],
    )


def test_symlinked_folders_are_not_followed_and_are_listed(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": PERSON, ".obsidian/workspace.md": "x"})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "other.md").write_text("x", encoding="utf-8")
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)
    (root / "people again").symlink_to(root / "people", target_is_directory=True)
    (root / "settings").symlink_to(root / ".obsidian", target_is_directory=True)
    assert walk(root) == (
        ["people/Ada.md"],
        [
            "linked: symlink to a folder outside the vault: not read",
            "people again: symlink to the folder people/: not followed (its notes are read there)",
            "settings: symlink to .obsidian/, a folder iiv skips: not read",
        ],
    )


def test_a_symlink_is_followed_only_to_a_file_the_walk_reads(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": PERSON,
            ".obsidian/workspace.md": "layout",
            "templates/person.md": "---\nname: {{title}}\n---\n",
            "Areas/Templates/meeting.md": "x",
        },
    )
    (root / "notes").mkdir()
    (root / "notes" / "x.md").symlink_to(Path("..") / ".obsidian" / "workspace.md")
    (root / "notes" / "t.md").symlink_to(root / "templates" / "person.md")
    (root / "notes" / "m.md").symlink_to(root / "Areas" / "Templates" / "meeting.md")
    (root / "notes" / "ada.md").symlink_to(root / "people" / "Ada.md")
    assert walk(root) == (
        ["notes/ada.md", "people/Ada.md"],
        [
            "notes/m.md: symlink to Areas/Templates/meeting.md, a file iiv skips: not read",
            "notes/t.md: symlink to templates/person.md, a file iiv skips: not read",
            "notes/x.md: symlink to .obsidian/workspace.md, a file iiv skips: not read",
        ],
    )
    for rel in ("notes/x.md", "notes/t.md", "notes/m.md"):
        with pytest.raises(NoteNotFound):
            note_file(root, rel)
    assert note_file(root, "notes/ada.md") == root / "notes" / "ada.md"


def test_a_note_inside_a_symlinked_folder_is_not_served(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": PERSON})
    (root / "people again").symlink_to(root / "people", target_is_directory=True)
    with pytest.raises(NoteNotFound):
        note_file(root, "people again/Ada.md")


def test_a_symlink_loop_is_harmless(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"people/Ada.md": PERSON})
    (root / "people" / "loop").symlink_to(root, target_is_directory=True)
    (root / "self.md").symlink_to(root / "self.md")
    assert walk(root) == (
        ["people/Ada.md"],
        [
            "people/loop: symlink to the vault's own folder: not followed"
            " (its notes are read there)",
            "self.md: cannot read: Too many levels of symbolic links",
        ],
    )


def test_a_dangling_symlink_is_a_problem(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"Welcome.md": "hi"})
    (root / "gone.md").symlink_to(root / "deleted.md")
    assert walk(root) == (["Welcome.md"], ["gone.md: cannot read: No such file or directory"])


def test_a_folder_named_like_a_note_is_walked_not_read(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"odd.md/inner.md": "x", "fifo-dir/x.txt": "x"})
    os.mkfifo(root / "pipe.md")
    assert walk(root) == (["odd.md/inner.md"], [])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_an_unreadable_folder_is_a_problem(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"Welcome.md": "hi", "locked/x.md": "x"})
    (root / "locked").chmod(0)
    try:
        assert walk(root) == (["Welcome.md"], ["locked/: cannot read folder: Permission denied"])
    finally:
        (root / "locked").chmod(0o755)


def test_vault_root_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(VaultNotFound) as refused:
        vault_root(tmp_path / "nope")
    assert str(refused.value) == (
        f"no vault at {tmp_path / 'nope'}: not a folder (use --vault PATH or set IIV_VAULT)"
    )


# Note paths from users and URLs.


def test_note_file_finds_a_note(tmp_path: Path) -> None:
    root = vault_root(make_vault(tmp_path, {"people/Ada.md": PERSON}))
    assert note_file(root, "people/Ada.md") == root / "people" / "Ada.md"
    assert note_file(root, "people\\Ada.md") == root / "people" / "Ada.md"


@pytest.mark.parametrize(
    "path",
    [
        "../secret.md",
        "people/../../secret.md",
        "people/../people/Ada.md",
        "..\\secret.md",
        "/etc/passwd",
        "\\etc\\passwd.md",
        ".obsidian/app.md",
        "people/.hidden.md",
        "templates/person.md",
        "people/Ada.txt",
        "people",
        "",
        "people/Ada.md\x00.png",
    ],
)
def test_note_file_refuses_paths_outside_the_vault_or_ignored(tmp_path: Path, path: str) -> None:
    root = vault_root(make_vault(tmp_path, {"people/Ada.md": PERSON, ".obsidian/app.md": "x"}))
    (tmp_path / "secret.md").write_text("private", encoding="utf-8")
    with pytest.raises(NoteNotFound) as refused:
        note_file(root, path)
    assert str(refused.value) == f"{path}: not a note in this vault"


def test_note_file_refuses_a_symlink_out_of_the_vault_and_a_missing_note(tmp_path: Path) -> None:
    root = vault_root(make_vault(tmp_path, {"people/Ada.md": PERSON}))
    (tmp_path / "secret.md").write_text("private", encoding="utf-8")
    (root / "leak.md").symlink_to(tmp_path / "secret.md")
    for path in ("leak.md", "people/Nobody.md"):
        with pytest.raises(NoteNotFound) as refused:
            note_file(root, path)
        assert str(refused.value) == f"{path}: no such note in this vault"


def test_read_note_of_an_unreadable_path_is_a_note_with_a_problem(tmp_path: Path) -> None:
    root = vault_root(make_vault(tmp_path, {}))
    note = read_note(root, "people/gone.md")
    assert (note.kind, note.title, note.body) == ("note", "gone", "")
    assert [str(p) for p in note.problems] == [
        "people/gone.md: cannot read: No such file or directory"
    ]


# The vault as a whole: link problems.


def test_a_vault_with_good_links_has_no_problems(tmp_path: Path) -> None:
    vault = load(
        make_vault(
            tmp_path,
            {
                "people/Ada Lovelace.md": "---\ntype: person\naliases: [Ada]\n---\n",
                "people/Bob.md": '---\ntype: person\nintroduced_by: "[[ada]]"\n---\n',
                "interviews/x.md": (
                    '---\ntype: interview\nperson: "[[Ada]]"\npeople: ["[[people/Bob]]"]\n---\n'
                    "Body links are never problems: [[Nobody]]\n"
                ),
            },
        )
    )
    assert vault.problems == []
    interview = vault.notes["interviews/x.md"]
    assert [vault.person_name(link) for link in interview.people] == ["Ada Lovelace", "Bob"]
    assert vault.person(Link("Nobody")) is None
    assert [n.path for n in vault.people] == ["people/Ada Lovelace.md", "people/Bob.md"]
    assert [n.path for n in vault.interviews] == ["interviews/x.md"]


def test_vault_problems_list_unresolved_ambiguous_and_non_person_links(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "Welcome.md": "hi",
            "people/Ada.md": PERSON,
            "archive/Ada.md": PERSON,
            "people/Bob.md": '---\ntype: person\nname: Bob\nintroduced_by: "[[Welcome]]"\n---\n',
            "interviews/one.md": '---\ntype: interview\nperson: "[[Grace Hopper]]"\n---\n',
            "interviews/two.md": (
                '---\ntype: interview\ndate: 2026-11-20\npeople:\n  - "[[Ada]]"\n---\n'
            ),
        },
    )
    assert [str(p) for p in load(root).problems] == [
        "interviews/one.md:3: person: [[Grace Hopper]] matches no note"
        ' (create it with: iiv new person "Grace Hopper")',
        "interviews/two.md:4: people: [[Ada]] is ambiguous: archive/Ada.md, people/Ada.md;"
        " using archive/Ada.md",
        "people/Bob.md:4: introduced_by: [[Welcome]] is Welcome.md,"
        " which is not a person note (type: person)",
    ]


def test_a_name_claimed_by_many_notes_shows_the_first_few_and_a_count(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"team {n:03}/Ada.md": PERSON for n in range(200)}
    files["interviews/x.md"] = '---\ntype: interview\nperson: "[[Ada]]"\n---\n'
    assert [str(p) for p in load(make_vault(tmp_path, files)).problems] == [
        "interviews/x.md:3: person: [[Ada]] is ambiguous: team 000/Ada.md, team 001/Ada.md,"
        " team 002/Ada.md and 197 more; using team 000/Ada.md"
    ]


def test_kepanos_layout_is_read_without_editing_a_note(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "References/Steph Ango.md": (
                '---\ncategory:\n  - "[[People]]"\ntype: []\norg:\n  - "[[Obsidian]]"\n---\n'
            ),
            "Meetings/2026-11-20 Coffee.md": (
                '---\ncategories:\n  - "[[Meetings]]"\ntype: []\ndate: 2026-11-20\n'
                'org: "[[Obsidian]]"\npeople:\n  - "[[Steph Ango]]"\n---\n'
            ),
            "Categories/People.md": "The people I know.",
            "Categories/Meetings.md": "Meetings.",
            "Templates/Meeting Template.md": (
                '---\ncategory:\n  - "[[Meetings]]"\ndate: {{date}}\n---\n'
            ),
        },
    )
    vault = load(root)
    assert vault.problems == []
    assert [(n.path, n.company) for n in vault.people] == [("References/Steph Ango.md", "Obsidian")]
    [meeting] = vault.interviews
    assert [vault.person_name(link) for link in meeting.people] == ["Steph Ango"]
    assert "Templates/Meeting Template.md" not in vault.notes


def test_category_names_are_settings(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "iiv.yaml": (
                'person_categories: ["[[Contacts]]", Friends]\ninterview_categories: Calls\n'
            ),
            "a.md": '---\ncategories: ["[[Friends]]"]\n---\n',
            "b.md": "---\ncategories: Calls\n---\n",
            "c.md": '---\ncategories: ["[[People]]"]\n---\n',
        },
    )
    vault = load(root)
    assert [(n.path, n.kind) for n in vault.notes.values()] == [
        ("a.md", "person"),
        ("b.md", "interview"),
        ("c.md", "note"),
    ]


def test_vault_problems_list_conflicts_first_then_by_path_and_line(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "a.md": "---\ntype: person\nkeep_in_touch: often\n---\n",
            "people/Ada.md": PERSON,
            "people/Ada.sync-conflict-20261121-101500-ABCDEF7.md": PERSON,
            "z.md": "---\ntitle: a\n<<<<<<< HEAD\nx: 1\n=======\nx: 2\n>>>>>>> b\n---\n",
            "iiv.yaml": "nudge_after: soon\n",
        },
    )
    assert [str(p) for p in load(root).problems] == [
        "people/Ada.sync-conflict-20261121-101500-ABCDEF7.md: sync conflict copy of 'Ada.md':"
        " merge it into the original, then delete it",
        "z.md:3: git conflict markers: resolve the merge",
        "a.md:3: keep_in_touch: expected a number of days, got 'often'",
        "iiv.yaml:1: nudge_after: expected days (7) or business days (7b), got 'soon'",
    ]


def test_a_conflict_copy_never_makes_a_link_ambiguous(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/Ada.md": PERSON,
            "Ada.sync-conflict-20261121-101500-ABCDEF7.md": "---\ntype: person\nname: Ada\n---\n",
            "interviews/x.md": '---\ntype: interview\nperson: "[[Ada]]"\n---\n',
        },
    )
    vault = load(root)
    assert vault.resolver.candidates("Ada") == ["people/Ada.md"]
    assert [p.code for p in vault.problems] == ["conflict-copy"]


def test_a_vault_with_broken_notes_still_loads_every_note(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "binary.md": b"\x00\x01\x02",
            "latin1.md": b"caf\xe9",
            "bom.md": b"\xef\xbb\xbf---\r\ntype: person\r\n---\r\n",
            "template-leftover.md": "---\ndate: {{date}}\n---\ntext\n",
            "empty.md": "",
        },
    )
    vault = load(root)
    assert sorted(vault.notes) == [
        "binary.md",
        "bom.md",
        "empty.md",
        "latin1.md",
        "template-leftover.md",
    ]
    assert vault.notes["bom.md"].kind == "person"
    assert vault.notes["template-leftover.md"].body == "text\n"
    assert [p.path for p in vault.problems] == ["binary.md", "latin1.md", "template-leftover.md"]
