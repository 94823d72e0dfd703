"""Importing contacts into a vault: matching, the dry run, --apply, a second run, interruptions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from iiv.atomic import TEMP_RE
from iiv.cli import cli
from iiv.contacts import read_contacts
from iiv.contacts.apply import apply_plan
from iiv.contacts.plan import Plan, Row, plan_import
from iiv.edit import NOTES_AT_ONCE
from iiv.template import safe_file_name, unique_file_name
from iiv.vault import load
from tests.helpers import ROOT, files, make_vault
from tests.sync_helpers import wait_until

TODAY = date(2026, 12, 1)
ADA = """\
---
type: person
name: Ada Lovelace
aliases: [Countess of Lovelace]
company: Analytical Engines # since 1843
email: Ada@Engines.example
linkedin: https://www.linkedin.com/in/ada-lovelace/
tags: []
---
# Ada Lovelace

Writes the programs for the Engine.
"""
JOSE = "---\ntype: person\nname: José García\n---\n# José\n"
HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"


EMPTY_VAULT = {"iiv.yaml": ""}  # settings alone: a folder iiv accepts as a vault


def vault_with_people(tmp_path: Path) -> Path:
    return make_vault(
        tmp_path,
        {"people/Ada Lovelace.md": ADA, "people/José García.md": JOSE, "Welcome.md": "# Hi\n"},
    )


def plan_for(root: Path, kind: str, text: str, name: str = "in.csv") -> Plan:
    return plan_import(load(root), [(name, read_contacts(kind, text.encode(), name))])


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def test_a_match_by_linkedin_only_gains_what_it_lacks(tmp_path: Path) -> None:
    root = vault_with_people(tmp_path)
    text = (
        HEADER
        + "A.,Lovelace,http://linkedin.com/in/Ada-Lovelace,,Babbage & Co,Analyst,12 Mar 2024\n"
    )
    plan = plan_for(root, "linkedin", text)
    assert plan.rows == (
        Row(
            "in.csv",
            2,
            "A. Lovelace",
            "update",
            "people/Ada Lovelace.md",
            ("role", "connected_on", "source"),
            (
                "company is 'Analytical Engines' in the vault, 'Babbage & Co' in the file; "
                "kept the vault's",
            ),
        ),
    )
    applied = apply_plan(root, load(root).config, plan, TODAY)
    assert applied.updated == ("people/Ada Lovelace.md",)
    after = (root / "people/Ada Lovelace.md").read_text(encoding="utf-8")
    assert after == ADA.replace(
        "tags: []\n", "tags: []\nrole: Analyst\nconnected_on: 2024-03-12\nsource: LinkedIn\n"
    )


def test_a_match_by_email_ignores_case_and_by_name_ignores_accents(tmp_path: Path) -> None:
    root = vault_with_people(tmp_path)
    text = HEADER + "Someone,Else,,ADA@engines.EXAMPLE,,,\n" + "jose,GARCIA,,,Acme,,\n"
    plan = plan_for(root, "linkedin", text)
    assert [(row.name, row.action, row.path) for row in plan.rows] == [
        ("Someone Else", "update", "people/Ada Lovelace.md"),
        ("jose GARCIA", "update", "people/José García.md"),
    ]


def test_the_files_other_emails_and_phones_are_added_beside_the_notes(tmp_path: Path) -> None:
    root = vault_with_people(tmp_path)
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada Lovelace\nEMAIL;TYPE=pref:ada@home.example\n"
        "EMAIL:ADA@engines.example\nEMAIL:countess@lovelace.example\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:José García\nTEL:+34 600 555 0102\n"
        "TEL:+34600555999\nEND:VCARD\n"
    )
    plan = plan_for(root, "vcard", text, "a.vcf")
    assert [(row.action, row.adds, row.notes) for row in plan.rows] == [
        ("update", ("other_emails",), ()),
        ("update", ("phone", "other_phones"), ()),
    ]
    apply_plan(root, load(root).config, plan, TODAY)
    ada = (root / "people/Ada Lovelace.md").read_text(encoding="utf-8")
    assert "other_emails: [ada@home.example, countess@lovelace.example]\n" in ada
    jose = (root / "people/José García.md").read_text(encoding="utf-8")
    assert "phone: +34 600 555 0102\nother_phones: [+34600555999]\n" in jose
    again = text.replace("+34600555999", "+34 600 555 999").replace("ADA@", "ada@")
    assert plan_for(root, "vcard", again, "a.vcf").writes == 0
    three = again.replace("END:VCARD\nBEGIN", "EMAIL:third@x.example\nEND:VCARD\nBEGIN", 1)
    assert plan_for(root, "vcard", three, "a.vcf").rows[0].notes == (
        "other_emails is 'ada@home.example, countess@lovelace.example' in the vault, "
        "'third@x.example' in the file; kept the vault's",
    )


def test_emails_written_as_a_list_match_and_go_out_as_cards(tmp_path: Path) -> None:
    note = "---\ntype: person\nemail: [grace@navy.example, amazing@grace.example]\n---\n"
    root = make_vault(tmp_path, {"people/Grace Hopper.md": note})
    text = "BEGIN:VCARD\nVERSION:3.0\nFN:G. H.\nEMAIL:Amazing@Grace.example\nEND:VCARD\n"
    assert [(row.action, row.path) for row in plan_for(root, "vcard", text, "a.vcf").rows] == [
        ("duplicate", "people/Grace Hopper.md")
    ]
    out = tmp_path / "out.vcf"
    assert run("export", "vcard", "--vault", str(root), "--out", str(out))[0] == 0
    assert "EMAIL;TYPE=INTERNET:grace@navy.example\nEMAIL;TYPE=INTERNET:amazing@grace" in (
        out.read_text(encoding="utf-8")
    )


def test_an_alias_matches_and_a_different_profile_does_not(tmp_path: Path) -> None:
    root = vault_with_people(tmp_path)
    text = (
        HEADER
        + "Countess of,Lovelace,,,,,\n"
        + "Ada,Lovelace,https://www.linkedin.com/in/another-ada,,,,\n"
    )
    plan = plan_for(root, "linkedin", text)
    assert [(row.action, row.path) for row in plan.rows] == [
        ("update", "people/Ada Lovelace.md"),
        ("create", "people/Ada Lovelace 2.md"),
    ]


def test_the_same_person_twice_in_a_file_is_created_once(tmp_path: Path) -> None:
    root = make_vault(tmp_path, EMPTY_VAULT)
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Grace Hopper\nEND:VCARD\n"
        "BEGIN:VCARD\nVERSION:3.0\nFN:grace hopper\nEMAIL:grace@navy.example\nEND:VCARD\n"
    )
    plan = plan_for(root, "vcard", text, "a.vcf")
    assert [(r.line, r.action, r.path, r.adds, r.notes) for r in plan.rows] == [
        (1, "create", "people/Grace Hopper.md", (), ()),
        (5, "duplicate", "people/Grace Hopper.md", ("email",), ("same person as a.vcf:1",)),
    ]
    assert plan.writes == 1
    apply_plan(root, load(root).config, plan, TODAY)
    assert "email: grace@navy.example\n" in (root / "people/Grace Hopper.md").read_text()


def test_dry_run_changes_nothing_and_apply_then_a_second_run_changes_nothing(
    tmp_path: Path,
) -> None:
    root = vault_with_people(tmp_path)
    csv = tmp_path / "Connections.csv"
    csv.write_text(
        "Notes:\n\n"
        + HEADER
        + "Ada,Lovelace,https://www.linkedin.com/in/ada-lovelace,,Babbage & Co,Analyst,"
        + "12 Mar 2024\n"
        + 'Grace,Hopper,https://www.linkedin.com/in/grace,,"US Navy, retired",Admiral,1 Jan 2020\n'
        + ",,https://www.linkedin.com/in/private,,,,\n",
        encoding="utf-8",
    )
    before = files(root)
    code, out = run("import", "linkedin", str(csv), "--vault", str(root))
    assert code == 0
    assert out == (
        f"update      {csv}:4  Ada Lovelace → people/Ada Lovelace.md"
        " (+ role, connected_on, source)\n"
        f"create      {csv}:5  Grace Hopper → people/Grace Hopper.md (+ company, role, linkedin,"
        " connected_on, source)\n"
        f"unreadable  {csv}:6\n"
        f"{csv}:4: Ada Lovelace: company is 'Analytical Engines' in the vault, 'Babbage & Co' in"
        " the file; kept the vault's\n"
        f"{csv}:6: no name (LinkedIn leaves some members' names blank)\n"
        "Dry run: 1 to create, 1 to update, 0 duplicates, 1 unreadable. Nothing was written; add"
        " --apply to write.\n"
    )
    assert files(root) == before
    code, out = run("import", "linkedin", str(csv), "--vault", str(root), "--apply")
    assert code == 0 and out.endswith("Created 1 note, updated 1.\n")
    grace = (root / "people/Grace Hopper.md").read_text(encoding="utf-8")
    assert "company: US Navy, retired\n" in grace and "# Grace Hopper\n" in grace
    assert run("check", "--vault", str(root))[0] == 0
    after_apply = files(root)
    code, out = run("import", "linkedin", str(csv), "--vault", str(root), "--apply")
    assert code == 0 and out.endswith("Created 0 notes, updated 0.\n")
    assert files(root) == after_apply


def test_json_output(tmp_path: Path) -> None:
    root = make_vault(tmp_path, EMPTY_VAULT)
    card = tmp_path / "a.vcf"
    card.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Kenji Watanabe\nEND:VCARD\n", encoding="utf-8")
    code, out = run("import", "vcard", str(card), "--vault", str(root), "--json")
    assert code == 0
    assert json.loads(out) == {
        "applied": False,
        "counts": {"create": 1, "update": 0, "duplicate": 0, "unreadable": 0},
        "rows": [
            {
                "file": str(card),
                "line": 1,
                "name": "Kenji Watanabe",
                "action": "create",
                "path": "people/Kenji Watanabe.md",
                "adds": [],
                "notes": [],
            }
        ],
    }


def test_new_notes_come_from_the_vaults_person_template(tmp_path: Path) -> None:
    template = '---\ntype: person\nname: "{{title}}"\nteam: mine\n---\n# {{title}}\n\n## Log\n'
    root = make_vault(tmp_path, {"templates/person.md": template})
    text = (
        'BEGIN:VCARD\nVERSION:3.0\nFN:Ada "Countess" Lovelace: maths\nTITLE:Analyst\n'
        "CATEGORIES:maths,mentor\nNOTE:Met at the meetup.\\nLikes Bernoulli.\nEND:VCARD\n"
    )
    plan = plan_for(root, "vcard", text, "a.vcf")
    assert plan.new[0].path == "people/Ada Countess Lovelace maths.md"
    apply_plan(root, load(root).config, plan, TODAY)
    assert (root / plan.new[0].path).read_text(encoding="utf-8") == (
        "---\ntype: person\n"
        'name: "Ada \\"Countess\\" Lovelace: maths"\n'
        "team: mine\nrole: Analyst\ntags: [maths, mentor]\n---\n"
        "# Ada Countess Lovelace maths\n\n## Log\n\n"
        "## Notes\n\nMet at the meetup.\nLikes Bernoulli.\n"
    )
    note = load(root).notes[plan.new[0].path]
    assert note.title == 'Ada "Countess" Lovelace: maths' and note.tags == ("maths", "mentor")


def test_a_cards_notes_go_under_the_templates_notes_heading(example_vault: Path) -> None:
    text = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Jos\u0065\u0301 Nu\u0301n\u0303ez\n"
        "NOTE:Met at PyCon.\\nAsks good questions.\x07\x1b[31m\nEND:VCARD\n"
    )
    plan = plan_for(example_vault, "vcard", text, "a.vcf")
    assert [row.path for row in plan.rows] == ["people/Jos\u00e9 N\u00fa\u00f1ez.md"]  # composed
    apply_plan(example_vault, load(example_vault).config, plan, TODAY)
    note = (example_vault / "people/José Núñez.md").read_text(encoding="utf-8")
    assert note.endswith(
        "## Notes\n\nMet at PyCon.\nAsks good questions.[31m\n\n## Conversations\n"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Ada: Lovelace", "Ada Lovelace"),
        ('a<b>c"d/e\\f|g?h*i', "a b c d e f g h i"),
        ("Ada #1 [the first] ^x", "Ada 1 the first x"),
        ("CON", "CON_"),
        ("nul", "nul_"),
        ("  trailing dots... ", "trailing dots"),
        ("Zoë\u0000\u001f Øster", "Zoë Øster"),
    ],
)
def test_file_names_are_safe_everywhere(name: str, expected: str) -> None:
    assert safe_file_name(name) == expected


def test_file_names_are_at_most_120_bytes_and_unique() -> None:
    long = "é" * 100
    assert len(safe_file_name(long).encode("utf-8")) == 120
    taken = {"ada lovelace", "ada lovelace 2"}
    assert unique_file_name("ADA LOVELACE", taken) == "ADA LOVELACE 3"
    numbered = unique_file_name("a" * 200, {"a" * 120})
    assert numbered == "a" * 118 + " 2"


def test_an_interrupted_apply_leaves_whole_notes_and_a_rerun_completes_it(
    tmp_path: Path,
) -> None:
    root = make_vault(tmp_path, EMPTY_VAULT)
    rows = "".join(f"Person,Number {i:03},,,Company {i},Role,12 Mar 2024\n" for i in range(300))
    text = HEADER + rows
    plan = plan_for(root, "linkedin", text)

    def stop(count: int) -> None:
        raise KeyboardInterrupt  # Ctrl+C once the first batch of notes is written

    with pytest.raises(KeyboardInterrupt):
        apply_plan(root, load(root).config, plan, TODAY, stop)
    written = sorted(p.name for p in (root / "people").iterdir())
    assert written == [f"Person Number {i:03}.md" for i in range(NOTES_AT_ONCE)]  # no temp file
    vault = load(root)
    assert all(n.company and n.role and not n.problems for n in vault.people)
    second = plan_for(root, "linkedin", text)
    assert (second.count("duplicate"), second.count("create")) == (128, 172)
    apply_plan(root, vault.config, second, TODAY)
    assert plan_for(root, "linkedin", text).writes == 0
    assert len(load(root).people) == 300


def test_an_update_refuses_a_note_changed_since_it_was_read(tmp_path: Path) -> None:
    root = vault_with_people(tmp_path)
    plan = plan_for(root, "linkedin", HEADER + "Ada,Lovelace,,,,Analyst,\n")
    note = root / "people/Ada Lovelace.md"
    note.write_text(ADA + "\nAn edit made meanwhile.\n", encoding="utf-8")
    applied = apply_plan(root, load(root).config, plan, TODAY)
    assert applied.failed == (
        "people/Ada Lovelace.md changed since it was read; nothing was written. "
        "Reload and try again.",
    )
    assert "role:" not in note.read_text(encoding="utf-8")


def test_export_then_import_finds_everyone_as_a_duplicate(
    example_vault: Path, tmp_path: Path
) -> None:
    out = tmp_path / "people.vcf"
    code, printed = run("export", "vcard", "--vault", str(example_vault), "--out", str(out))
    people = len(load(example_vault).people)
    assert (code, printed) == (0, f"wrote {people} cards to {out}\n")
    before = files(example_vault)
    code, printed = run("import", "vcard", str(out), "--vault", str(example_vault), "--apply")
    assert code == 0
    assert printed.splitlines()[-1] == "Created 0 notes, updated 0."
    assert printed.count("duplicate ") == people and " in the vault, " not in printed
    assert files(example_vault) == before


def test_several_vcard_files_at_once(tmp_path: Path) -> None:
    root = make_vault(tmp_path, EMPTY_VAULT)
    first, second = tmp_path / "a.vcf", tmp_path / "b.vcf"
    first.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEND:VCARD\n", encoding="utf-8")
    second.write_text(
        "BEGIN:VCARD\nVERSION:3.0\nFN:Ada\nEMAIL:ada@x.example\nEND:VCARD\n", encoding="utf-8"
    )
    code, out = run("import", "vcard", str(first), str(second), "--vault", str(root))
    assert code == 0
    assert out.splitlines()[:3] == [
        f"create      {first}:1  Ada → people/Ada.md",
        f"duplicate   {second}:1  Ada → people/Ada.md (+ email)",
        f"{second}:1: Ada: same person as {first}:1",
    ]


def test_a_wrong_file_is_one_line_and_no_traceback(tmp_path: Path) -> None:
    root = make_vault(tmp_path, EMPTY_VAULT)
    wrong = tmp_path / "notes.txt"
    wrong.write_text("hello\n", encoding="utf-8")
    code, out = run("import", "google", str(wrong), "--vault", str(root))
    assert code == 1
    assert out == (
        f"Error: {wrong}: no Google Contacts header (First Name, ..., E-mail 1 - Value or Name, "
        "Given Name, ...) in its first lines: is it a Google CSV export?\n"
    )


def test_an_import_killed_mid_apply_leaves_whole_notes_and_a_rerun_completes_it(
    tmp_path: Path,
) -> None:
    """A real `iiv import --apply` killed with SIGKILL while it writes: every note on disk is
    whole, no temporary file is left, and running the same import again finishes the job."""
    root = make_vault(tmp_path, EMPTY_VAULT)
    rows = "".join(f"Member,Number {i},,,Company {i},Role {i},12 Mar 2024\n" for i in range(3000))
    source = tmp_path / "Connections.csv"
    source.write_text(HEADER + rows, encoding="utf-8")
    command = [sys.executable, "-m", "iiv", "import", "linkedin", str(source)]
    command += ["--vault", str(root), "--apply"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    people = root / "people"
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    ) as process:
        wait_until(lambda: people.exists() and len(os.listdir(people)) >= 200, 60, "200 notes")
        process.kill()
    names = os.listdir(people)
    assert 200 <= len(names) < 3000
    assert all(name.startswith("Member Number ") and name.endswith(".md") for name in names)
    vault = load(root)
    assert [p for p in vault.problems] == []
    assert all(note.company and note.role and note.source == "LinkedIn" for note in vault.people)
    code, out = run("import", "linkedin", str(source), "--vault", str(root), "--apply")
    assert code == 0
    assert out.endswith(f"Created {3000 - len(names)} notes, updated 0.\n")
    assert len(os.listdir(people)) == 3000
    assert plan_for(root, "linkedin", HEADER + rows).writes == 0


def test_an_import_killed_while_it_updates_leaves_each_note_old_or_new(tmp_path: Path) -> None:
    """A real `iiv import --apply` killed with SIGKILL while it adds properties to 1,500 notes:
    each note holds its old bytes or its new ones, no temporary file is left, and the same
    import again finishes the job."""
    root = make_vault(tmp_path, EMPTY_VAULT)
    rows = [
        f"Member,Number {i},https://www.linkedin.com/in/m{i},,C{i},R{i},\n" for i in range(1500)
    ]
    code, _ = run_import(tmp_path / "first.csv", HEADER + "".join(rows), root)
    assert code == 0
    people = root / "people"
    before = {path.name: path.read_bytes() for path in people.iterdir()}
    later = tmp_path / "later.csv"
    later.write_text(HEADER + "".join(r.replace(",,", ",m@x.example,") for r in rows), "utf-8")
    command = [sys.executable, "-m", "iiv", "import", "linkedin", str(later)]
    command += ["--vault", str(root), "--apply"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = people / "Member Number 0.md"
    with subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    ) as process:
        wait_until(lambda: first.read_bytes() != before[first.name], 60, "the first update")
        process.kill()
    after = {path.name: path.read_bytes() for path in people.iterdir()}
    # The kill may land between a swap and the removal of the old version (removed a few at a
    # time, in other threads), which is then left hidden (`.NAME.iiv-XXXXXX.tmp`, ignored by
    # iiv, Obsidian and git, and removed by the next edit there after a minute); or between
    # naming the new version and the swap (three system calls), which leaves the new one hidden.
    hidden = {name for name in after if TEMP_RE.fullmatch(name)}
    assert len(hidden) <= NOTES_AT_ONCE
    for name in hidden:
        note = name.split(".iiv-")[0][1:]
        assert after[name] in (before[note], with_email(before[note]))
    assert after.keys() - hidden == before.keys()
    updated = [name for name in before if after[name] != before[name]]
    assert 0 < len(updated) < 1500
    for name in updated:
        assert after[name] == with_email(before[name])
    code, out = run("import", "linkedin", str(later), "--vault", str(root), "--apply")
    assert (code, out.splitlines()[-1]) == (0, f"Created 0 notes, updated {1500 - len(updated)}.")


def with_email(data: bytes) -> bytes:
    return data.replace(b"\nemail:\n", b"\nemail: m@x.example\n")


def run_import(source: Path, text: str, root: Path) -> tuple[int, str]:
    source.write_text(text, encoding="utf-8")
    return run("import", "linkedin", str(source), "--vault", str(root), "--apply")
