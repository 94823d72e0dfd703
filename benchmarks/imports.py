"""How long importing contacts takes: `iiv import linkedin` and `iiv import vcard`, as processes.

A seeded LinkedIn `Connections.csv` of N rows (names from the vault generator's lists, some
sharing a name, most without an e-mail, as LinkedIn's export is), imported into a new vault:
the dry run, `--apply`, then the same file again (every row a duplicate, nothing written); then
a later export of the same connections, now each with an e-mail (the people without one gain
it: nine in ten notes updated); then `iiv export vcard` and importing that file back. Wall
clock from this process.

    python -m benchmarks.imports --rows 10000
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generate import COMPANY_A, COMPANY_B, FIRST, LAST
from benchmarks.process import iiv_env

MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
NOTES = (
    "Notes:\n"
    '"When exporting your connection data, you may notice that some of the email addresses are '
    'missing."\n\n'
)


@dataclass(frozen=True)
class Timing:
    step: str
    seconds: float
    last_line: str


def connections(rows: int, seed: int, every_email: bool = False) -> str:
    """A LinkedIn export of `rows` connections; the same bytes for the same seed. With
    `every_email`, the same connections, each with an e-mail."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(NOTES)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["First Name", "Last Name", "URL", "Email Address", "Company", "Position", "Connected On"]
    )
    for number in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        slug = f"{first}-{last}-{number}".lower()
        email = f"{slug}@mail.example" if rng.random() < 0.1 or every_email else ""
        when = f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2012, 2026)}"
        company = f"{rng.choice(COMPANY_A)} {rng.choice(COMPANY_B)}"
        writer.writerow(
            [first, last, f"https://www.linkedin.com/in/{slug}", email, company, "Engineer", when]
        )
    return out.getvalue()


def iiv(*args: str) -> Timing:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "iiv", *args],
        capture_output=True,
        text=True,
        env=iiv_env(),
        check=False,
        timeout=600,
    )
    took = time.monotonic() - started
    if result.returncode != 0:
        raise RuntimeError(f"iiv {' '.join(args)} failed: {result.stderr.strip()[-500:]}")
    lines = result.stdout.strip().splitlines()
    return Timing(" ".join(args[:2]), took, lines[-1] if lines else "")


def measure(rows: int, seed: int, workdir: Path) -> list[Timing]:
    vault = workdir / "vault"
    subprocess.run(
        [sys.executable, "-m", "iiv", "init", str(vault)],
        check=True,
        capture_output=True,
        env=iiv_env(),
    )
    source = workdir / "Connections.csv"
    source.write_text(connections(rows, seed), encoding="utf-8")
    later = workdir / "Connections-later.csv"
    later.write_text(connections(rows, seed, every_email=True), encoding="utf-8")
    exported = workdir / "people.vcf"
    steps = [
        ("dry run", ("import", "linkedin", str(source), "--vault", str(vault))),
        ("--apply", ("import", "linkedin", str(source), "--vault", str(vault), "--apply")),
        ("again, --apply", ("import", "linkedin", str(source), "--vault", str(vault), "--apply")),
        ("e-mails, --apply", ("import", "linkedin", str(later), "--vault", str(vault), "--apply")),
        ("export vcard", ("export", "vcard", "--vault", str(vault), "--out", str(exported))),
        (
            "import vcard, --apply",
            ("import", "vcard", str(exported), "--vault", str(vault), "--apply"),
        ),
    ]
    timings = []
    for name, args in steps:
        timing = iiv(*args)
        timings.append(Timing(name, timing.seconds, timing.last_line))
    return timings


def report(rows: int, timings: list[Timing]) -> str:
    lines = [f"Importing {rows:,} LinkedIn connections into a new vault:", ""]
    lines += ["| step | seconds | what it printed last |", "| --- | ---: | --- |"]
    lines += [f"| {t.step} | {t.seconds:.1f} | {t.last_line} |" for t in timings]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.imports", description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with tempfile.TemporaryDirectory(prefix="iiv-import-") as folder:
        timings = measure(args.rows, args.seed, Path(folder))
    print(report(args.rows, timings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
