"""`iiv sync` with real git: a bare remote and two clones in tmp_path as two devices."""

from __future__ import annotations

from pathlib import Path

import pytest

from iiv.errors import IivError
from iiv.vault import load
from tests.devices import Device, git, git_env, remote_and_devices

ADA = """---
type: person
name: Ada Lovelace
company: Analytical Engines
---
# Ada Lovelace

Met at the engine society.

## Notes
First line of notes.
Second line of notes.
Third line of notes.
"""


@pytest.fixture
def devices(tmp_path: Path) -> tuple[Device, Device]:
    _remote, (laptop, phone) = remote_and_devices(tmp_path, files={"people/Ada Lovelace.md": ADA})
    return laptop, phone


def test_different_notes_edited_on_each_device_converge(devices: tuple[Device, Device]) -> None:
    laptop, phone = devices
    laptop.write("people/Grace Hopper.md", "# Grace Hopper\n\nlaptop words\n")
    phone.write("notes/Questions.md", "# Questions\n\nphone words\n")

    first = laptop.sync()
    second = phone.sync()
    third = laptop.sync()

    assert first.summary() == "Committed 1 note, pushed 1 commit to origin/main."
    assert second.summary() == (
        "Committed 1 note, received 1 from origin/main, pushed 2 commits to origin/main."
    )
    assert third.summary() == "Received 1 from origin/main."
    assert laptop.files() == phone.files()
    assert "phone words" in laptop.read("notes/Questions.md")
    assert laptop.clean() and phone.clean()


def test_the_same_note_changed_on_different_lines_is_merged(
    devices: tuple[Device, Device],
) -> None:
    laptop, phone = devices
    laptop.write("people/Ada Lovelace.md", ADA.replace("First line", "Laptop's first line"))
    phone.write("people/Ada Lovelace.md", ADA.replace("Third line", "Phone's third line"))

    laptop.sync()
    report = phone.sync()
    laptop.sync()

    text = phone.read("people/Ada Lovelace.md")
    assert "Laptop's first line" in text and "Phone's third line" in text
    assert report.conflicts == ()
    assert laptop.files() == phone.files()


def test_the_same_line_changed_on_both_keeps_both_whole_notes(
    devices: tuple[Device, Device],
) -> None:
    laptop, phone = devices
    laptop.write("people/Ada Lovelace.md", ADA.replace("Second line", "Laptop's second line"))
    phone.write("people/Ada Lovelace.md", ADA.replace("Second line", "Phone's second line"))

    laptop.sync()
    report = phone.sync()

    assert len(report.conflicts) == 1
    conflict = report.conflicts[0]
    assert conflict.path == "people/Ada Lovelace.md"
    assert conflict.kind == "both-changed"
    assert conflict.other == "laptop"
    assert conflict.copy is not None
    assert conflict.copy.startswith("people/Ada Lovelace.sync-conflict-")
    assert conflict.copy.endswith("-laptop.md")
    assert phone.read("people/Ada Lovelace.md") == ADA.replace("Second line", "Phone's second line")
    assert phone.read(conflict.copy) == ADA.replace("Second line", "Laptop's second line")
    assert phone.clean()
    assert report.lines()[1] == (
        "conflict: people/Ada Lovelace.md: changed on both sides; this machine's version is "
        f"kept, the version from laptop is in {conflict.copy}"
    )
    problems = load(phone.root).problems
    assert problems[0].path == conflict.copy
    assert problems[0].message == (
        "sync conflict copy of 'Ada Lovelace.md': merge it into the original, then delete it"
    )
    laptop.sync()
    assert laptop.files() == phone.files()


def test_a_note_deleted_on_one_device_and_edited_on_the_other_keeps_the_edit(
    devices: tuple[Device, Device],
) -> None:
    laptop, phone = devices
    (laptop.root / "people/Ada Lovelace.md").unlink()
    phone.write("people/Ada Lovelace.md", ADA + "\nAn edit made on the phone.\n")

    laptop.sync()
    report = phone.sync()
    laptop.sync()

    assert [c.describe() for c in report.conflicts] == [
        "people/Ada Lovelace.md: deleted on laptop, edited here; the edit is kept"
    ]
    assert "An edit made on the phone." in laptop.read("people/Ada Lovelace.md")
    assert laptop.files() == phone.files()


def test_an_edit_arriving_for_a_note_deleted_here_is_kept(devices: tuple[Device, Device]) -> None:
    laptop, phone = devices
    laptop.write("people/Ada Lovelace.md", ADA + "\nAn edit made on the laptop.\n")
    (phone.root / "people/Ada Lovelace.md").unlink()

    laptop.sync()
    report = phone.sync()

    assert [c.describe() for c in report.conflicts] == [
        "people/Ada Lovelace.md: deleted here, edited on laptop; the edit is kept"
    ]
    assert "An edit made on the laptop." in phone.read("people/Ada Lovelace.md")


def test_a_note_added_under_the_same_name_on_both_keeps_both(
    devices: tuple[Device, Device],
) -> None:
    laptop, phone = devices
    laptop.write("people/Grace Hopper.md", "# Grace Hopper\n\nWritten on the laptop.\n")
    phone.write("people/Grace Hopper.md", "# Grace Hopper\n\nWritten on the phone.\n")

    laptop.sync()
    report = phone.sync()
    laptop.sync()

    (conflict,) = report.conflicts
    assert conflict.kind == "both-added"
    assert conflict.copy is not None
    assert phone.read("people/Grace Hopper.md").endswith("Written on the phone.\n")
    assert phone.read(conflict.copy).endswith("Written on the laptop.\n")
    assert laptop.files() == phone.files()


def test_without_a_remote_a_sync_only_commits(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    vault = tmp_path / "vault"
    vault.mkdir()
    git(vault, "init", "--quiet", "--initial-branch=main", env=env)
    device = Device("desk", vault, tmp_path / "state", env)
    device.write("Welcome.md", "# Welcome\n")

    report = device.sync()

    assert report.summary() == "Committed 1 note (no remote: a history of the vault only)."
    assert device.git("log", "--format=%s") == "iiv sync on desk: Welcome.md"
    assert device.sync().summary() == (
        "Nothing to commit (no remote: iiv sync keeps a history of the vault only)."
    )


def test_a_commit_names_the_notes_and_the_machine(devices: tuple[Device, Device]) -> None:
    laptop, _phone = devices
    for name in ("A", "B", "C", "D"):
        laptop.write(f"notes/{name}.md", f"# {name}\n")
    (laptop.root / "people/Ada Lovelace.md").unlink()

    laptop.sync()

    assert laptop.git("log", "-1", "--format=%B") == (
        "iiv sync on laptop: A.md, B.md, C.md and 2 more\n\n"
        "added notes/A.md\nadded notes/B.md\nadded notes/C.md\nadded notes/D.md\n"
        "deleted people/Ada Lovelace.md\n\nMachine: laptop"
    )


def test_a_vault_in_a_folder_of_a_larger_repository_commits_only_the_vault(
    tmp_path: Path,
) -> None:
    env = git_env(tmp_path)
    top = tmp_path / "home"
    top.mkdir()
    git(top, "init", "--quiet", "--initial-branch=main", env=env)
    (top / "code.py").write_text("print('staged')\n")
    (top / "other.txt").write_text("not staged\n")
    git(top, "add", "code.py", env=env)
    device = Device("desk", top / "notes" / "vault", tmp_path / "state", env)
    device.write("Welcome.md", "# Welcome\n")
    device.write(".gitignore", "*.tmp\n")
    device.write("scratch.tmp", "ignored\n")

    report = device.sync()

    assert report.committed == (".gitignore", "Welcome.md")
    assert git(top, "show", "--name-only", "--format=", "HEAD", env=env).splitlines() == [
        "notes/vault/.gitignore",
        "notes/vault/Welcome.md",
    ]
    assert git(top, "status", "--porcelain", env=env).splitlines() == [
        "A  code.py",
        "?? other.txt",
    ]


def test_a_sync_without_a_git_identity_signs_as_the_login_at_the_machine(
    tmp_path: Path,
) -> None:
    env = git_env(tmp_path, identity=False)
    vault = tmp_path / "vault"
    vault.mkdir()
    git(vault, "init", "--quiet", "--initial-branch=main", env=env)
    device = Device("desk", vault, tmp_path / "state", env)
    device.write("Welcome.md", "# Welcome\n")

    device.sync()

    import getpass

    login = getpass.getuser()
    assert device.git("log", "-1", "--format=%an <%ae>") == f"{login} <{login}@desk>"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda d: d.git("checkout", "--quiet", "--detach"),
            "HEAD is detached (no branch is checked out): check out your branch, e.g. "
            "git -C {top} switch main, then iiv sync",
        ),
        (
            lambda d: (d.git_dir() / "MERGE_HEAD").write_text(d.git("rev-parse", "HEAD")),
            "the repository is in the middle of a merge: finish it with git commit, or undo "
            "it with git merge --abort; then iiv sync",
        ),
    ],
)
def test_a_sync_refuses_when_git_is_busy(
    devices: tuple[Device, Device], setup: object, message: str
) -> None:
    laptop, _phone = devices
    setup(laptop)  # type: ignore[operator]
    with pytest.raises(IivError) as raised:
        laptop.sync()
    assert str(raised.value) == message.format(top=laptop.root)
