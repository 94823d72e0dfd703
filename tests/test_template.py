"""New notes from templates: what they hold, and templates read only from inside the vault."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from iiv.note import parse_note
from iiv.template import NewInterview, new_interview, new_person
from iiv.vault import load, load_config
from tests.helpers import make_vault

TODAY = date(2026, 12, 1)
SECRET = "a line from a private file outside the vault"


def problems(root: Path) -> list[str]:
    return [str(problem) for problem in load(root).problems]


def test_an_interview_without_a_date_has_no_trailing_space(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {})
    config, _ = load_config(root)
    rel = new_interview(root, config, NewInterview("Ada Lovelace"), TODAY)
    text = (root / rel).read_text(encoding="utf-8")
    assert "date:\n" in text
    assert [line for line in text.splitlines() if line != line.rstrip()] == []


def test_the_built_in_guidance_is_neither_shown_nor_indexed(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {})
    config, _ = load_config(root)
    rel = new_person(root, config, "Ada Lovelace", None, TODAY)
    data = (root / rel).read_bytes()
    assert b"%% How we met, what they do, what they care about. %%" in data
    note = parse_note(rel, data)
    assert "How we met" not in note.body
    assert "show up on their page" not in note.body
    assert note.problems == ()


def test_a_template_symlinked_out_of_the_vault_is_not_copied(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {"templates/person.md": "---\ntype: person\n---\nMine\n"})
    secret = tmp_path / "secret.md"
    secret.write_text(SECRET, encoding="utf-8")
    (root / "templates" / "interview.md").symlink_to(secret)
    config, _ = load_config(root)

    rel = new_interview(root, config, NewInterview("Ada Lovelace"), TODAY)
    (root / rel).unlink()  # the template and where it led are what this test looks at

    assert problems(root) == [
        "templates/interview.md: symlink to a file outside the templates folder:"
        " using the built-in templates"
    ]
    person = new_person(root, config, "Ada", None, TODAY)
    assert "Mine" in (root / person).read_text(encoding="utf-8")


def test_an_interview_from_a_template_symlinked_outside_gets_the_built_in_text(
    tmp_path: Path,
) -> None:
    root = make_vault(tmp_path, {})
    secret = tmp_path / "secret.md"
    secret.write_text(SECRET, encoding="utf-8")
    (root / "templates").mkdir()
    (root / "templates" / "interview.md").symlink_to(secret)
    config, _ = load_config(root)

    text = (root / new_interview(root, config, NewInterview("Ada"), TODAY)).read_text("utf-8")

    assert SECRET not in text
    assert "## Questions" in text


def test_a_templates_folder_symlinked_out_of_the_vault_is_not_read(tmp_path: Path) -> None:
    root = make_vault(tmp_path, {})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "person.md").write_text(SECRET, encoding="utf-8")
    (root / "templates").symlink_to(outside, target_is_directory=True)
    config, _ = load_config(root)

    rel = new_person(root, config, "Ada", None, TODAY)

    assert SECRET not in (root / rel).read_text(encoding="utf-8")
    assert problems(root) == [
        "templates/: the templates folder leads outside the vault: using the built-in templates"
    ]


def test_a_templates_setting_outside_the_vault_is_a_problem(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "person.md").write_text(SECRET, encoding="utf-8")
    root = make_vault(tmp_path, {"iiv.yaml": f"templates: {outside}\n"})
    config, _ = load_config(root)

    rel = new_person(root, config, "Ada", None, TODAY)

    assert SECRET not in (root / rel).read_text(encoding="utf-8")
    assert problems(root) == [
        f"iiv.yaml:1: templates: {outside} is outside the vault; using the built-in templates"
    ]
