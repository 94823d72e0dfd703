"""The docs are part of the feature: every command is documented, CI runs the README's command."""

from __future__ import annotations

import re

import click
import pytest

from iiv.cli import cli
from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def commands(group: click.Group = cli, prefix: str = "") -> list[tuple[str, click.Command]]:
    found = []
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found += commands(command, f"{prefix}{name} ")
        else:
            found.append((prefix + name, command))
    return found


@pytest.mark.parametrize(("name", "command"), commands(), ids=lambda v: str(v))
def test_every_command_has_help_with_an_example_and_is_in_the_readme(
    name: str, command: click.Command
) -> None:
    assert command.help and "Example:" in command.help
    assert command.get_short_help_str()
    assert f"`iiv {name}" in README


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_the_readme_has_two_quick_start_commands() -> None:
    run, test = quick_start_commands()
    assert "vault-example" in run and "pip install" in run
    assert "pytest" in test and ".[test]" in test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = quick_start_commands()[1]
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert ci_lines[-1] == test_command


def test_the_architecture_page_names_every_module() -> None:
    """docs/architecture.md is the map a newcomer reads first: each module has its place."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    modules = [p.stem for p in (ROOT / "iiv").glob("*.py") if not p.stem.startswith("__")]
    packages = [p.name for p in (ROOT / "iiv").iterdir() if (p / "__init__.py").exists()]
    missing = [name for name in modules + packages if not re.search(rf"\b{name}\b", page)]
    assert not missing, f"docs/architecture.md does not say where these belong: {missing}"
