"""The docs are part of the feature: every command is documented, CI runs the README's command."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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
    modules = [p.stem for p in (ROOT / "iiv").rglob("*.py") if not p.stem.startswith("__")]
    packages = [p.name for p in (ROOT / "iiv").iterdir() if (p / "__init__.py").exists()]
    missing = [name for name in modules + packages if not re.search(rf"\b{name}\b", page)]
    assert not missing, f"docs/architecture.md does not say where these belong: {missing}"


def floors() -> dict[str, int]:
    """Each top-level module or package of `iiv` → the height of its floor (the core is 0), as
    the plan at the top of docs/architecture.md shows them: a floor's name, then its modules two
    spaces apart, then (three spaces or more further) what the floor is for."""
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    plan = page.split("```")[1].strip("\n").splitlines()
    names: list[list[str]] = []
    for line in plan:
        if line[:11].strip():
            names.append([])
        names[-1] += [name.rstrip("/") for name in re.split(r" {3,}", line[11:])[0].split()]
    return {name: height for height, row in enumerate(reversed(names)) for name in row}


def imported(path: Path) -> set[str]:
    """The top-level `iiv` modules and packages a module imports (type-checking ones too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {m.split(".")[1] for m in modules if m.startswith("iiv.")}
    return {name for name in found if not name.startswith("__")}


def test_each_module_imports_only_from_its_floor_and_below() -> None:
    """The core never imports a module that touches files; nothing imports a face."""
    height = floors()
    package = ROOT / "iiv"
    modules = {p.stem for p in package.glob("*.py") if not p.stem.startswith("__")}
    packages = {p.parent.name for p in package.glob("*/__init__.py")}
    assert sorted((modules | packages) - set(height)) == [], "not in the plan of floors"
    upward = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).with_suffix("").parts
        if parts[0] in ("__init__", "__main__"):
            continue
        for other in sorted(imported(path) - {parts[0]}):
            if height[other] > height[parts[0]]:
                upward.append(f"{'/'.join(parts)} imports {other}")
    assert upward == []
