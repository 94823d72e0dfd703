"""The command line, with click's CliRunner and exact output."""

from __future__ import annotations

import json
import platform
from pathlib import Path

import pytest
from click.testing import CliRunner

from iiv.cli import cli
from iiv.cli.serve import few_malloc_arenas
from tests.helpers import EXAMPLE, copy_example, make_vault

SMALL = {
    "people/Ada Lovelace.md": "---\ntype: person\nname: Ada Lovelace\naliases: [Ada]\n---\n",
    "interviews/2026-11-28 Ada Lovelace.md": (
        '---\ntype: interview\nperson: "[[Ada]]"\ndate: 2026-11-28\nstatus: done\n'
        "medium: coffee\n---\n# Coffee\n\n- [ ] Send the paper 📅 2026-12-02\n"
    ),
}


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.output


def test_due_lists_overdue_and_upcoming(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    code, out = run("due", "--vault", str(root), "--today", "2026-12-01")
    assert code == 0
    assert out == (
        "Overdue:\n"
        "  2026-11-29  thank-you     Send a thank-you note to Ada Lovelace for the coffee on "
        "2026-11-28\n"
        "                interviews/2026-11-28 Ada Lovelace.md:5\n"
        "\nNext 7 days:\n"
        "  2026-12-02  task          Send the paper\n"
        "                interviews/2026-11-28 Ada Lovelace.md:10\n"
    )


def test_due_json_has_the_documented_shape(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    code, out = run("due", "--vault", str(root), "--today", "2026-12-01", "--json")
    assert code == 0
    assert json.loads(out) == {
        "today": "2026-12-01",
        "items": [
            {
                "path": "interviews/2026-11-28 Ada Lovelace.md",
                "line": 5,
                "person": "Ada Lovelace",
                "action": "Send a thank-you note to Ada Lovelace for the coffee on 2026-11-28",
                "due": "2026-11-29",
                "kind": "thank-you",
                "overdue": True,
            },
            {
                "path": "interviews/2026-11-28 Ada Lovelace.md",
                "line": 10,
                "person": "Ada Lovelace",
                "action": "Send the paper",
                "due": "2026-12-02",
                "kind": "task",
                "overdue": False,
            },
        ],
    }


def test_due_reads_the_vault_from_the_environment(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    code, out = run("due", "--today", "2026-11-01", env={"IIV_VAULT": str(root)})
    assert (code, out) == (0, "Nothing due today or in the next 7 days.\n")


def test_example_vault_shows_every_kind_on_2026_12_01() -> None:
    code, out = run("due", "--vault", str(EXAMPLE), "--today", "2026-12-01", "--json")
    assert code == 0
    kinds = {item["kind"] for item in json.loads(out)["items"]}
    assert kinds == {
        "task",
        "thank-you",
        "nudge",
        "next-contact",
        "prepare",
        "report-back",
        "keep-in-touch",
    }


def test_example_vault_passes_check() -> None:
    code, out = run("check", "--vault", str(EXAMPLE))
    assert code == 0
    assert out.startswith("No problems in ") and out.endswith(" notes.\n")


def test_check_lists_each_broken_note_and_exits_1(tmp_path: Path) -> None:
    root = make_vault(
        tmp_path,
        {
            "people/ada.md": "---\ntype: person\nname: Ada\n\nkeep_in_touch: often\n---\n",
            "broken.md": "---\ntitle: [unclosed\n---\nbody\n",
            "latin.md": b"caf\xe9\n",
        },
    )
    result = CliRunner().invoke(cli, ["check", "--vault", str(root)])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "broken.md:2: invalid YAML front-matter: did not find expected ',' or ']'",
        "latin.md:1: not valid UTF-8 (saved in another encoding?): unreadable bytes are shown as �",
        "people/ada.md:5: keep_in_touch: expected a number of days, got 'often'",
    ]
    assert "Traceback" not in result.output


def test_check_json(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"e.md": "---\n---\n"})
    code, out = CliRunner().invoke(cli, ["check", "--vault", str(root), "--json"]).exit_code, None
    result = CliRunner().invoke(cli, ["check", "--vault", str(root), "--json"])
    assert code == 1
    assert json.loads(result.stdout) == {
        "items": [
            {
                "path": "e.md",
                "line": 1,
                "message": "empty front-matter (--- then ---): add properties or remove both lines",
            }
        ]
    }
    assert out is None


def test_done_completes_exactly_one_line(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    note = root / "interviews/2026-11-28 Ada Lovelace.md"
    before = note.read_text().splitlines()
    code, out = run("done", "--vault", str(root), "interviews/2026-11-28 Ada Lovelace.md:10")
    assert (code, out) == (
        0,
        "Done: Send the paper\n"
        "  interviews/2026-11-28 Ada Lovelace.md: line 10 (iiv undo takes it back)\n",
    )
    after = note.read_text().splitlines()
    assert [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b] == [9]
    assert after[9].startswith("- [x] Send the paper 📅 2026-12-02 ✅ ")


def test_done_on_a_line_without_a_task_is_one_clear_line(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    result = CliRunner().invoke(
        cli, ["done", "--vault", str(root), "interviews/2026-11-28 Ada Lovelace.md:2"]
    )
    assert result.exit_code == 1
    assert result.output == (
        "Error: interviews/2026-11-28 Ada Lovelace.md:2: there is no task on that line\n"
    )


def test_done_refuses_paths_outside_the_vault(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    result = CliRunner().invoke(cli, ["done", "--vault", str(root), "../secret.md:1"])
    assert result.exit_code == 1
    assert result.output == "Error: ../secret.md: not a note in this vault\n"


def test_thanked_records_the_date_and_clears_the_follow_up(tmp_path: Path) -> None:
    root = make_vault(tmp_path, SMALL)
    rel = "interviews/2026-11-28 Ada Lovelace.md"
    code, out = run("thanked", "--vault", str(root), rel, "--date", "2026-11-29")
    assert (code, out) == (0, f"Ada thanked\n  {rel}: line 7 (iiv undo takes it back)\n")
    assert "thanked: 2026-11-29\n---\n" in (root / rel).read_text()
    code, out = run("due", "--vault", str(root), "--today", "2026-12-01", "--json")
    assert [i["kind"] for i in json.loads(out)["items"]] == ["task"]


def test_new_person_and_interview_never_overwrite(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"iiv.yaml": "# a new vault\n"})
    code, out = run("new", "person", "Grace Hopper", "--company", "Navy", "--vault", str(root))
    assert (code, out) == (0, "people/Grace Hopper.md\n")
    text = (root / "people/Grace Hopper.md").read_text()
    assert 'name: "Grace Hopper"' in text and "company: Navy\n" in text
    result = CliRunner().invoke(cli, ["new", "person", "Grace Hopper", "--vault", str(root)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and "exists" in result.output
    code, out = run(
        "new", "interview", "Grace Hopper", "--date", "2026-12-03 15:30", "--vault", str(root)
    )
    assert (code, out) == (0, "interviews/2026-12-03 Grace Hopper.md\n")
    code, out = run(
        "new", "interview", "Grace Hopper", "--date", "2026-12-03", "--vault", str(root)
    )
    assert (code, out) == (0, "interviews/2026-12-03 Grace Hopper 2.md\n")
    code, out = run("due", "--vault", str(root), "--today", "2026-12-01", "--json")
    items = json.loads(out)["items"]
    assert [(i["kind"], i["person"]) for i in items] == [("prepare", "Grace Hopper")] * 2
    assert run("check", "--vault", str(root))[0] == 0


def test_init_creates_a_vault_that_passes_check(tmp_path: Path) -> None:
    code, out = run("init", str(tmp_path / "v"))
    assert code == 0
    created = [line for line in out.splitlines() if line.startswith("created ")]
    assert sorted(line.rsplit("/v/", 1)[1] for line in created) == [
        ".gitignore",
        "Welcome.md",
        "iiv.yaml",
        "interviews/",
        "people/",
        "templates/company.md",
        "templates/interview.md",
        "templates/messages/nudge.md",
        "templates/messages/referral.md",
        "templates/messages/report-back.md",
        "templates/messages/request.md",
        "templates/messages/thank-you.md",
        "templates/person.md",
    ]
    assert out.endswith(
        "push -u origin main\n"
        "Then on each other device: git clone URL, and iiv sync there (README: Devices).\n"
    )
    assert run("check", "--vault", str(tmp_path / "v"))[0] == 0
    assert (
        run("init", str(tmp_path / "v"))[1]
        == f"{tmp_path / 'v'} is already a vault: nothing to create\n"
    )


def test_a_missing_vault_is_one_clear_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["due", "--vault", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: no vault at {tmp_path / 'nope'}: not a folder "
        "(use --vault PATH or set IIV_VAULT)\n"
    )


@pytest.mark.parametrize("args", [["due"], ["new", "person", "Ada"], ["check"], ["index"]])
def test_a_folder_that_is_no_vault_says_how_to_choose_one(tmp_path: Path, args: list[str]) -> None:
    empty = make_vault(tmp_path, {"photo.png": b"x", "sub/deeper/notes.txt": "x"})
    result = CliRunner().invoke(cli, [*args, "--vault", str(empty)])
    assert (result.exit_code, result.output) == (
        1,
        f"Error: {empty} does not look like a vault (no iiv.yaml, no .obsidian folder, no"
        " notes): choose one with --vault PATH or IIV_VAULT=PATH, or make this one with:"
        f" iiv init {empty}\n",
    )
    assert sorted(p.name for p in empty.rglob("*")) == ["deeper", "notes.txt", "photo.png", "sub"]


@pytest.mark.parametrize(
    "files",
    [
        {"iiv.yaml": ""},
        {".obsidian/app.json": "{}"},
        {"Areas/Work/Ada.md": "---\ntype: person\n---\n"},
    ],
    ids=["iiv.yaml", "an Obsidian vault", "a note two folders down"],
)
def test_a_vault_without_iiv_yaml_works(tmp_path: Path, files: dict[str, str]) -> None:
    root = make_vault(tmp_path, dict(files))
    result = CliRunner().invoke(cli, ["due", "--vault", str(root)])
    assert (result.exit_code, result.output) == (0, "Nothing due today or in the next 7 days.\n")


def test_init_makes_a_vault_of_an_empty_folder(tmp_path: Path) -> None:
    empty = make_vault(tmp_path, {})
    assert CliRunner().invoke(cli, ["init", str(empty)]).exit_code == 0
    assert CliRunner().invoke(cli, ["due", "--vault", str(empty)]).exit_code == 0


def test_bad_date_option_is_one_clear_line(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"Welcome.md": "hi"})
    result = CliRunner().invoke(cli, ["due", "--vault", str(root), "--today", "2026-02-30"])
    assert result.exit_code == 2
    assert "2026-02-30 is not a real date" in result.output


def test_index_then_search_with_json(tmp_path: Path) -> None:
    root = copy_example(tmp_path)
    env = {"IIV_INDEX_DIR": str(tmp_path / "index")}
    code, out = run("index", "--vault", str(root), env=env)
    assert code == 0 and " added, 0 modified, 0 removed" in out
    code, out = run("index", "--vault", str(root), env=env)
    assert code == 0 and ": 0 added, 0 modified, 0 removed" in out
    code, out = run("search", "woodworking", "--json", "--vault", str(root), env=env)
    data = json.loads(out)
    assert code == 0 and data["query"] == "woodworking" and data["total"] >= 1
    assert set(data["results"][0]) == {"path", "kind", "title", "score", "snippet"}


@pytest.mark.parametrize("args", [["--help"], ["due", "--help"], ["new", "interview", "--help"]])
def test_help_works(args: list[str]) -> None:
    code, out = run(*args)
    assert code == 0 and "Usage: iiv" in out


def test_help_shows_each_commands_whole_summary() -> None:
    result = CliRunner().invoke(cli, ["--help"], terminal_width=80)
    listing = " ".join(result.output.split("Commands:")[1].split())
    assert "..." not in result.output.split("Commands:")[1]
    for name, command in cli.commands.items():
        summary = command.get_short_help_str(limit=1_000)
        assert f"{name} {summary}" in listing, name


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's malloc only")
def test_serve_keeps_the_threads_memory_in_one_malloc_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    assert few_malloc_arenas()
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")  # whoever started iiv chose
    assert not few_malloc_arenas()
