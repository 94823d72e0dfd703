"""Finding a note from what someone typed: paths, names, aliases, accents, misspellings."""

from __future__ import annotations

from pathlib import Path

import pytest

from iiv.actions import STEPS
from iiv.errors import BadArgument, NoteNotFound
from iiv.names import find_conversation, find_person, loose
from iiv.snapshot import Vault
from iiv.vault import load
from tests.helpers import EXAMPLE, make_vault


@pytest.fixture(scope="module")
def example() -> Vault:
    return load(EXAMPLE)


def person(name: str, aliases: str = "[]") -> str:
    return f"---\ntype: person\nname: {name}\naliases: {aliases}\n---\n"


def interview(who: str, status: str, day: str) -> str:
    return f'---\ntype: interview\nperson: "[[{who}]]"\nstatus: {status}\ndate: {day}\n---\n'


def test_loose_folds_case_and_accents() -> None:
    assert loose("  Lucía FERNÁNDEZ ") == "lucia fernandez"
    assert loose("Tomasz Wójcik") == "tomasz wojcik"


@pytest.mark.parametrize(
    "typed",
    [
        "people/Lucía Fernández.md",
        "people/Lucía Fernández",
        "Lucía Fernández",
        "lucía fernández",
        "LUCIA FERNANDEZ",
        "lucia fernandez",
    ],
)
def test_a_person_by_path_or_name_whatever_the_case_and_accents(example: Vault, typed: str) -> None:
    assert find_person(example, typed).path == "people/Lucía Fernández.md"


def test_a_person_by_alias(tmp_path: Path) -> None:
    vault = load(make_vault(tmp_path, {"people/Samuel Ortiz.md": person("Samuel Ortiz", "[Sam]")}))
    assert find_person(vault, "sam").path == "people/Samuel Ortiz.md"


def test_a_misspelt_name_suggests_the_closest(tmp_path: Path) -> None:
    vault = load(make_vault(tmp_path, {"people/Priya Shah.md": person("Priya Shah")}))
    with pytest.raises(NoteNotFound) as error:
        find_person(vault, "Pryia Shah")
    assert str(error.value) == "no person 'Pryia Shah'; did you mean Priya Shah?"


def test_a_first_name_suggests_the_people_who_bear_it(example: Vault) -> None:
    with pytest.raises(NoteNotFound) as error:
        find_person(example, "Chiara")
    assert str(error.value) == "no person 'Chiara'; did you mean Chiara Bianchi?"


def test_an_unknown_name_says_how_to_create_the_person(example: Vault) -> None:
    with pytest.raises(NoteNotFound) as error:
        find_person(example, "Zbigniew Quux")
    assert str(error.value) == (
        "no person 'Zbigniew Quux' in this vault (create one with: iiv new person"
        ' "Zbigniew Quux")'
    )


def test_an_ambiguous_name_lists_at_most_ten_candidates(tmp_path: Path) -> None:
    files = {f"people/Sam {n:02d}.md": person(f"Sam {n:02d}", "[Sam]") for n in range(12)}
    vault = load(make_vault(tmp_path, files))
    with pytest.raises(BadArgument) as error:
        find_person(vault, "Sam")
    listed = ", ".join(f"people/Sam {n:02d}.md" for n in range(10))
    assert str(error.value) == f"'Sam' is ambiguous: {listed} and 2 more; give the note's path"


def test_a_note_that_is_not_a_person(example: Vault) -> None:
    with pytest.raises(BadArgument) as error:
        find_person(example, "Welcome")
    assert str(error.value) == "Welcome.md is a plain note, not a person note (type: person)"


def test_a_conversation_is_the_latest_one_the_step_applies_to(tmp_path: Path) -> None:
    files = {
        "people/Ada.md": person("Ada"),
        "interviews/a.md": interview("Ada", "done", "2026-10-01"),
        "interviews/b.md": interview("Ada", "done", "2026-11-01"),
        "interviews/c.md": interview("Ada", "scheduled", "2026-12-09"),
    }
    vault = load(make_vault(tmp_path, files))
    assert find_conversation(vault, "ada", STEPS["schedule"]).path == "interviews/c.md"
    assert find_conversation(vault, "ada", STEPS["thanked"]).path == "interviews/b.md"
    assert find_conversation(vault, "interviews/a.md", STEPS["nudged"]).path == "interviews/a.md"
    with pytest.raises(BadArgument) as error:
        find_conversation(vault, "Ada", STEPS["nudged"])
    assert str(error.value) == (
        "Ada has no conversation that nudged applies to; the latest, interviews/c.md:"
        " its status is scheduled; nudged applies to requested conversations"
    )


def test_a_person_without_conversations_is_told_how_to_start_one(tmp_path: Path) -> None:
    vault = load(make_vault(tmp_path, {"people/Ada.md": person("Ada Lovelace")}))
    with pytest.raises(NoteNotFound) as error:
        find_conversation(vault, "ada lovelace", STEPS["request"])
    assert str(error.value) == (
        'Ada Lovelace has no conversation yet; start one with: iiv new interview "Ada Lovelace"'
    )


def test_the_example_vaults_request_by_the_persons_name(example: Vault) -> None:
    found = find_conversation(example, "chiara bianchi", STEPS["schedule"])
    assert found.path == "interviews/2026-11-20 Chiara Bianchi.md"
