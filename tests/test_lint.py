"""The code's own checks, run with the suite so that CI runs them: ruff's lint and format over
the repository, and `mypy --strict` over `iiv/` and `benchmarks/` (both configured in
pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import ROOT

CHECKS = {
    "ruff check": ["ruff", "check", "--no-cache", "."],
    "ruff format": ["ruff", "format", "--check", "--no-cache", "."],
    "mypy --strict": ["mypy", "--strict"],
}


@pytest.mark.timeout(600)  # mypy without its cache, on a busy machine: under a minute
@pytest.mark.parametrize("check", CHECKS)
def test_the_code_passes(check: str) -> None:
    command = [sys.executable, "-m", *CHECKS[check]]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"{check} failed:\n{result.stdout}{result.stderr}"
