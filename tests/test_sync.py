"""`iiv sync` with real git: a bare remote and two clones in tmp_path as two devices."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from random import Random

import pytest
from click.testing import CliRunner

from iiv.cli import cli
from iiv.errors import IivError
from iiv.gitsync import SyncOptions, sync_vault
from iiv.vault import load
from tests.devices import Device, git, git_env, remote_and_devices
from tests.helpers import requires_git

pytestmark = requires_git

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


def test_two_devices_edited_on_both_sides_converge_with_every_word_in_the_remote(
    tmp_path: Path,
) -> None:
    people = {
        f"people/Person {n}.md": f"# Person {n}\n\nMet once.\nNothing yet.\n" for n in range(6)
    }
    remote, (laptop, phone) = remote_and_devices(tmp_path, files=people)
    random = Random(17)
    words: set[str] = set()
    for round in range(3):
        doomed = f"people/Person {(round + 1 + random.randrange(5)) % 6}.md"
        (laptop.root / doomed).unlink(missing_ok=True)  # while the phone edits it
        words |= edit_everywhere(laptop, round, random, None)
        words |= edit_everywhere(phone, round, random, doomed)
        first, second = (laptop, phone) if random.random() < 0.5 else (phone, laptop)
        first.sync()
        second.sync()
        first.sync()

    assert laptop.files() == phone.files()
    assert laptop.clean() and phone.clean()
    fresh = Device("fresh", tmp_path / "fresh", tmp_path / "fresh-state", laptop.env)
    git(tmp_path, "clone", "--quiet", str(remote), str(fresh.root), env=laptop.env)
    text = "\n".join(fresh.files().values())
    assert sorted(word for word in words if word not in text) == []
    assert "<<<<<<<" not in text


def edit_everywhere(device: Device, round: int, random: Random, doomed: str | None) -> set[str]:
    """New words on one device: the same line of one note on both (a conflict), a line
    appended to another, a new note, and one appended to the note the other device deleted."""
    tag = f"r{round}{device.name}"
    same = f"people/Person {round % 6}.md"
    device.write(same, device.read(same).replace("Nothing yet.", f"Said {tag}same.", 1))
    appended = random.choice(sorted(p for p in device.files() if p.startswith("people/")))
    for rel, word in ((appended, f"{tag}end"), (doomed, f"{tag}kept")):
        if rel is not None:
            with (device.root / rel).open("a", encoding="utf-8") as handle:
                handle.write(f"Then {word}.\n")
    device.write(f"notes/{tag}.md", f"# New\n\n{tag}new\n")
    return {f"{tag}{kind}" for kind in ("same", "end", "new")} | (
        {f"{tag}kept"} if doomed else set()
    )


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


def stopped_midway(device: Device, *command: str) -> None:
    """Run a git command that stops on a conflict, as the user's own would."""
    device.git("switch", "--quiet", "-c", "other")
    device.write("people/Ada Lovelace.md", ADA.replace("First line", "Other first line"))
    device.git("commit", "--quiet", "-am", "other")
    device.git("switch", "--quiet", "main")
    device.write("people/Ada Lovelace.md", ADA.replace("First line", "Main first line"))
    device.git("commit", "--quiet", "-am", "main")
    result = subprocess.run(["git", *command], cwd=device.root, env=device.env, capture_output=True)
    assert result.returncode != 0, "the command should have stopped on the conflict"


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (
            lambda d: d.git("checkout", "--quiet", "--detach"),
            "HEAD is detached (no branch is checked out): check out your branch, e.g. "
            "git -C {top} switch main, then iiv sync",
        ),
        (
            lambda d: stopped_midway(d, "merge", "other"),
            "the repository is in the middle of a merge: finish it with git commit, or undo "
            "it with git merge --abort; then iiv sync",
        ),
        (
            lambda d: stopped_midway(d, "rebase", "other"),
            "the repository is in the middle of a rebase: git rebase --continue, or git rebase "
            "--abort; then iiv sync",
        ),
        (
            lambda d: stopped_midway(d, "cherry-pick", "other"),
            "the repository is in the middle of a cherry-pick: git cherry-pick --continue, or "
            "--abort; then iiv sync",
        ),
        (
            lambda d: stopped_midway(d, "revert", "--no-edit", "HEAD~1"),
            "the repository is in the middle of a revert: git revert --continue, or --abort; "
            "then iiv sync",
        ),
    ],
    ids=["detached", "merge", "rebase", "cherry-pick", "revert"],
)
def test_a_sync_refuses_while_git_waits_for_the_user(
    devices: tuple[Device, Device], setup: object, message: str
) -> None:
    laptop, _phone = devices
    setup(laptop)  # type: ignore[operator]
    before = laptop.git("status", "--porcelain")
    with pytest.raises(IivError) as raised:
        laptop.sync()
    assert str(raised.value) == message.format(top=laptop.root)
    assert laptop.git("status", "--porcelain") == before


def test_a_remote_that_hangs_is_stopped_after_the_timeout(
    devices: tuple[Device, Device], tmp_path: Path
) -> None:
    laptop, _phone = devices
    script = tmp_path / "upload-pack"
    script.write_text("#!/bin/sh\nsleep 60\n")
    script.chmod(0o755)
    laptop.git("config", "remote.origin.uploadpack", str(script))
    laptop.write("notes/Idea.md", "# Idea\n")
    options = SyncOptions(laptop.root, laptop.state, "laptop", laptop.env, network_timeout=1.0)

    started = time.monotonic()
    report = sync_vault(options)

    assert time.monotonic() - started < 20
    assert report.warnings == (
        "could not reach origin (git fetch did not finish within 1 s and was stopped): "
        "the changes are committed here and will push on the next sync",
    )
    assert report.committed == ("notes/Idea.md",)


def test_a_remote_that_asks_for_a_password_is_not_waited_on(
    devices: tuple[Device, Device],
) -> None:
    laptop, _phone = devices
    with password_server() as url:
        laptop.git("remote", "set-url", "origin", url)
        laptop.write("notes/Idea.md", "# Idea\n")

        report = laptop.sync()

    (warning,) = report.warnings
    assert warning.startswith("could not reach origin (")
    assert "terminal prompts disabled" in warning
    assert report.committed == ("notes/Idea.md",)


@contextmanager
def password_server() -> Iterator[str]:
    """An HTTP git remote on 127.0.0.1 that answers every request with 401: a password."""

    class AskForPassword(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="vault"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), AskForPassword)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/vault.git"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


# The command


def run_sync(device: Device, *args: str) -> tuple[int, str, str]:
    env = {**device.env, "IIV_MACHINE": device.name, "XDG_CACHE_HOME": str(device.state)}
    runner = CliRunner()
    result = runner.invoke(cli, ["sync", "--vault", str(device.root), *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_iiv_sync_prints_a_summary_and_each_conflict(devices: tuple[Device, Device]) -> None:
    laptop, phone = devices
    laptop.write("people/Ada Lovelace.md", ADA.replace("Second line", "Laptop's line"))
    phone.write("people/Ada Lovelace.md", ADA.replace("Second line", "Phone's line"))
    assert run_sync(laptop)[:2] == (0, "Committed 1 note, pushed 1 commit to origin/main.\n")

    code, out, err = run_sync(phone)

    copy = next(p for p in phone.files() if "sync-conflict" in p)
    assert (code, err) == (0, "")
    assert out == (
        "Committed 1 note, received 1 from origin/main, pushed 2 commits to origin/main.\n"
        "conflict: people/Ada Lovelace.md: changed on both sides; this machine's version is "
        f"kept, the version from laptop is in {copy}\n"
    )


def test_iiv_sync_json(devices: tuple[Device, Device]) -> None:
    laptop, _phone = devices
    laptop.write("notes/Idea.md", "# Idea\n")

    code, out, _err = run_sync(laptop, "--json")

    data = json.loads(out)
    assert code == 0
    assert {k: v for k, v in data.items() if k != "when"} == {
        "machine": "laptop",
        "remote": "origin/main",
        "committed": ["notes/Idea.md"],
        "received": [],
        "pushed": 1,
        "waiting": 0,
        "conflicts": [],
        "warnings": [],
    }


def test_an_unreachable_remote_leaves_a_local_commit_to_push_next_time(
    devices: tuple[Device, Device], tmp_path: Path
) -> None:
    laptop, phone = devices
    remote = laptop.git("remote", "get-url", "origin")
    laptop.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))
    laptop.write("notes/Offline.md", "# Written offline\n")

    code, out, err = run_sync(laptop)

    assert code == 0
    assert out == "Committed 1 note, 1 commit waiting to be pushed.\n"
    assert err == (
        f"warning: could not reach origin ('{tmp_path / 'gone.git'}' does not appear to be a "
        "git repository): the changes are committed here and will push on the next sync\n"
    )
    assert laptop.clean()
    laptop.git("remote", "set-url", "origin", remote)
    assert run_sync(laptop)[:2] == (0, "Pushed 1 commit to origin/main.\n")
    phone.sync()
    assert phone.read("notes/Offline.md") == "# Written offline\n"


def test_an_unreachable_remote_with_nothing_to_commit_is_a_failure(
    devices: tuple[Device, Device], tmp_path: Path
) -> None:
    laptop, _phone = devices
    laptop.git("remote", "set-url", "origin", str(tmp_path / "gone.git"))

    code, out, err = run_sync(laptop)
    json_code, json_out, _err = run_sync(laptop, "--json")

    assert code == 1
    assert out == "Nothing synced: no changes to commit here, and origin/main is out of reach.\n"
    assert err.startswith("warning: could not reach origin (")
    assert json_code == 1
    assert json.loads(json_out)["warnings"] == [err.removeprefix("warning: ").rstrip("\n")]


def test_a_branch_without_upstream_is_refused_with_the_push_to_run(tmp_path: Path) -> None:
    env = git_env(tmp_path)
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", "remote.git", env=env)
    vault = tmp_path / "vault"
    vault.mkdir()
    git(vault, "init", "--quiet", "--initial-branch=main", env=env)
    git(vault, "remote", "add", "origin", str(tmp_path / "remote.git"), env=env)
    device = Device("desk", vault, tmp_path / "state", env)
    device.write("Welcome.md", "# Welcome\n")

    code, out, err = run_sync(device)

    assert (code, out) == (1, "")
    assert err == (
        "Error: the branch main has no upstream to sync with: run "
        f"git -C {vault} push -u origin main once, then iiv sync\n"
    )
    assert device.git("log", "--format=%s") == "iiv sync on desk: Welcome.md"
    device.git("push", "--quiet", "-u", "origin", "main")
    assert run_sync(device)[:2] == (0, "Nothing to sync: the vault is the same as origin/main.\n")


def test_iiv_sync_outside_a_repository_says_how_to_start(tmp_path: Path) -> None:
    device = Device("desk", tmp_path / "vault", tmp_path / "state", git_env(tmp_path))
    device.write("Welcome.md", "# Welcome\n")

    code, _out, err = run_sync(device)

    assert code == 1
    assert err == (
        f"Error: {device.root} is not in a git repository: to keep it in git, run "
        f"git -C {device.root} init, then iiv sync (README: Devices)\n"
    )


def test_a_note_saved_while_the_sync_brings_changes_in_is_committed_and_merged(
    devices: tuple[Device, Device], tmp_path: Path
) -> None:
    laptop, phone = devices
    laptop.write("people/Ada Lovelace.md", ADA.replace("First line", "Laptop's first line"))
    laptop.sync()
    phone.write("notes/Phone.md", "# Phone\n")
    # The fetch runs this instead of git-upload-pack: the user saves the note at that moment.
    note = phone.root / "people/Ada Lovelace.md"
    script = tmp_path / "upload-pack"
    marker = tmp_path / "saved"
    save = f"echo 'Saved during the sync.' >> '{note}'"
    script.write_text(
        f"#!/bin/sh\n[ -e '{marker}' ] || {{ touch '{marker}'; {save}; }}\n"
        'exec git-upload-pack "$@"\n'
    )
    script.chmod(0o755)
    phone.git("config", "remote.origin.uploadpack", str(script))

    report = phone.sync()

    text = phone.read("people/Ada Lovelace.md")
    assert "Laptop's first line" in text and "Saved during the sync." in text
    assert report.conflicts == ()
    assert phone.clean()
    assert "people/Ada Lovelace.md" in report.committed


def test_a_remote_that_moves_before_the_push_is_merged_again(
    devices: tuple[Device, Device], tmp_path: Path
) -> None:
    laptop, phone = devices
    # A third device pushes while the phone syncs, just before the phone's push.
    desk = Device("desk", tmp_path / "desk", tmp_path / "desk-state", phone.env)
    git(tmp_path, "clone", "--quiet", str(tmp_path / "remote.git"), str(desk.root), env=phone.env)
    desk.write("notes/Desk.md", "# Written on the desk\n")
    hook = phone.git_dir() / "hooks" / "pre-push"
    hook.parent.mkdir(exist_ok=True)
    marker = tmp_path / "pushed"
    hook.write_text(
        f"#!/bin/sh\n[ -e '{marker}' ] && exit 0\ntouch '{marker}'\n"
        f"unset GIT_DIR\ncd '{desk.root}'\n"  # a hook runs with the phone's GIT_DIR
        "git add -A && git commit -qm desk && git push -q origin main\n"
    )
    hook.chmod(0o755)
    phone.write("notes/Phone.md", "# Written on the phone\n")

    report = phone.sync()

    assert report.summary() == (
        "Committed 1 note, received 1 from origin/main, pushed 2 commits to origin/main."
    )
    laptop.sync()
    assert laptop.read("notes/Desk.md") == "# Written on the desk\n"
    assert laptop.read("notes/Phone.md") == "# Written on the phone\n"


def test_uncommitted_changes_outside_the_vault_that_the_remote_changed_are_left_alone(
    tmp_path: Path,
) -> None:
    laptop, phone = larger_repositories(tmp_path)
    env = laptop.env
    (laptop.root.parent / "code.py").write_text("print(2)\n")
    git(laptop.root.parent, "commit", "--quiet", "-am", "code", env=env)
    git(laptop.root.parent, "push", "--quiet", env=env)
    (phone.root.parent / "code.py").write_text("print('mine, not committed')\n")
    phone.write("notes/Phone.md", "# Phone\n")

    with pytest.raises(IivError) as raised:
        phone.sync()

    assert str(raised.value) == (
        "../code.py (outside the vault) has changes here that are not committed, and "
        "origin/main changed it too: commit or stash them, then iiv sync"
    )
    assert (phone.root.parent / "code.py").read_text() == "print('mine, not committed')\n"
    assert phone.git("log", "-1", "--format=%s") == "iiv sync on phone: Phone.md"
    assert not (phone.git_dir() / "MERGE_HEAD").exists()


def test_a_file_outside_the_vault_changed_on_both_sides_is_left_to_the_user(
    tmp_path: Path,
) -> None:
    laptop, phone = larger_repositories(tmp_path)
    for device, text in ((laptop, "print('laptop')\n"), (phone, "print('phone')\n")):
        (device.root.parent / "code.py").write_text(text)
        git(
            device.root.parent,
            "commit",
            "--quiet",
            "-am",
            f"code on the {device.name}",
            env=device.env,
        )
    laptop.write("Welcome.md", "# Welcome, from the laptop\n")
    laptop.sync()
    phone.write("notes/Phone.md", "# Phone\n")
    head = phone.git("rev-parse", "HEAD")

    with pytest.raises(IivError) as raised:
        phone.sync()

    assert str(raised.value) == (
        "../code.py (outside the vault) was changed both here and on origin/main: merge them "
        f"with git -C {phone.root.parent} pull --no-rebase, then iiv sync"
    )
    assert (phone.root.parent / "code.py").read_text() == "print('phone')\n"
    assert phone.git("log", "-1", "--format=%s", head + "..") == "iiv sync on phone: Phone.md"
    assert phone.git("status", "--porcelain", "--ignored", "--untracked-files=all", "..") == ""
    assert phone.read("Welcome.md") == "# Welcome\n"
    # What the line says to do, then iiv sync again.
    top = phone.root.parent
    subprocess.run(["git", "pull", "--no-rebase"], cwd=top, env=phone.env, capture_output=True)
    (top / "code.py").write_text("print('laptop and phone')\n")
    git(top, "commit", "--quiet", "--no-edit", "-a", env=phone.env)
    assert phone.sync().pushed == 3  # its code, its notes, the merge
    laptop.sync()
    assert (laptop.root.parent / "code.py").read_text() == "print('laptop and phone')\n"
    assert laptop.read("notes/Phone.md") == "# Phone\n"


def larger_repositories(tmp_path: Path) -> tuple[Device, Device]:
    """A remote and two clones of a repository whose folder vault/ is the vault."""
    env = git_env(tmp_path)
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", "remote.git", env=env)
    clones = []
    for name in ("laptop", "phone"):
        git(tmp_path, "clone", "--quiet", "remote.git", name, env=env)
        clones.append(Device(name, tmp_path / name / "vault", tmp_path / f"{name}-state", env))
    laptop, phone = clones
    (laptop.root.parent / "code.py").write_text("print(1)\n")
    laptop.write("Welcome.md", "# Welcome\n")
    git(laptop.root.parent, "add", "-A", env=env)
    git(laptop.root.parent, "commit", "--quiet", "-m", "start", env=env)
    git(laptop.root.parent, "push", "--quiet", "-u", "origin", "main", env=env)
    git(phone.root.parent, "pull", "--quiet", env=env)
    return laptop, phone


def test_an_ignored_file_here_is_not_overwritten_by_one_from_the_remote(
    devices: tuple[Device, Device],
) -> None:
    laptop, phone = devices
    laptop.write("drafts/Letter.md", "# The laptop's letter\n")
    laptop.git("add", "--force", "drafts/Letter.md")
    laptop.sync()
    phone.write(".gitignore", "drafts/\n")
    phone.write("drafts/Letter.md", "# The phone's own letter, ignored\n")

    with pytest.raises(IivError) as raised:
        phone.sync()

    assert str(raised.value) == (
        "drafts/Letter.md exists here, ignored by .gitignore, and origin/main has another one: "
        "move it away, then iiv sync"
    )
    assert phone.read("drafts/Letter.md") == "# The phone's own letter, ignored\n"


def interrupted(device: Device, seconds_ago: float) -> None:
    """The journal an interrupted sync leaves: begun, and its last git started, back then,
    while it wrote notes in notes/."""
    device.state.mkdir(parents=True, exist_ok=True)
    journal = device.state / "sync.journal"
    then = time.time() - seconds_ago
    record = {"pid": 1, "started": then, "git": 999999, "git_start": "0", "calls": 3}
    record["folders"] = ["notes"]
    journal.write_text(json.dumps(record))  # a git long gone (its start time differs)
    os.utime(journal, (then, then))


def test_the_locks_an_interrupted_sync_left_are_removed_by_the_next(
    devices: tuple[Device, Device],
) -> None:
    laptop, phone = devices
    phone.write("notes/Phone.md", "# Phone\n")
    phone.sync()
    interrupted(laptop, seconds_ago=10)
    lock = laptop.git_dir() / "index.lock"
    private = laptop.state / "sync-work" / "merge.index.lock"  # a killed read-tree's
    for path in (lock, private):
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"")
        os.utime(path, (time.time() - 9, time.time() - 9))
    temp = laptop.root / "notes" / ".Gone.md.iiv-0a1b2c.tmp"  # a note deleted, killed midway
    laptop.write("notes/.Gone.md.iiv-0a1b2c.tmp", "# Gone\n")
    laptop.write("notes/After.md", "# After the crash\n")

    report = laptop.sync()

    assert report.summary() == (
        "Committed 1 note, received 1 from origin/main, pushed 2 commits to origin/main."
    )
    assert not lock.exists() and not private.exists() and not temp.exists()
    assert laptop.clean()
    assert not (laptop.state / "sync.journal").exists()


def test_a_lock_made_long_after_the_interrupted_sync_is_left_to_its_owner(
    devices: tuple[Device, Device],
) -> None:
    laptop, _phone = devices
    interrupted(laptop, seconds_ago=1000)
    lock = laptop.git_dir() / "index.lock"
    lock.write_bytes(b"")  # the user's own git, running now
    laptop.write("notes/After.md", "# After the crash\n")

    with pytest.raises(IivError) as raised:
        laptop.sync()

    assert str(raised.value).startswith(f"git add: Unable to create '{lock}': File exists.")
    assert lock.exists()


def test_a_refused_sync_leaves_no_journal(devices: tuple[Device, Device]) -> None:
    laptop, _phone = devices
    laptop.git("checkout", "--quiet", "--detach")

    with pytest.raises(IivError):
        laptop.sync()

    assert not (laptop.state / "sync.journal").exists()
