"""`python -m benchmarks`: measure iiv on generated vaults and write docs/performance.md.

Example:
    python -m benchmarks --notes 10000 50000
    python -m benchmarks --notes 1000 --repeat 1 --edits 10 --output /tmp/perf.md
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from benchmarks import report
from benchmarks.run import Options, SizeResult, measure


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure iiv on generated vaults and write the figures as Markdown.",
    )
    parser.add_argument(
        "--notes",
        type=int,
        nargs="+",
        default=[10_000],
        help="vault sizes to measure (default: 10000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of each cold start, warm start and checkout (default: 3)",
    )
    parser.add_argument("--edits", type=int, default=50, help="saves timed (default: 50)")
    parser.add_argument(
        "--searches", type=int, default=20, help="requests per search query (default: 20)"
    )
    parser.add_argument(
        "--requests", type=int, default=50, help="requests of /api/due and Today (default: 50)"
    )
    parser.add_argument(
        "--burst", type=int, default=1000, help="notes a git checkout switches (default: 1000)"
    )
    parser.add_argument(
        "--engines",
        nargs="+",
        choices=["whoosh", "tantivy"],
        default=["whoosh", "tantivy"] if importlib.util.find_spec("tantivy") else ["whoosh"],
        help="search engines to measure, each in turn on every size (default: both when "
        "tantivy is installed)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where generated vaults are kept and reused (default: a temp folder)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=report.ROOT / "docs" / "performance.md",
        help="the Markdown page to write (default: docs/performance.md)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    workdir = args.workdir or Path(tempfile.gettempdir()) / "iiv-benchmark"
    workdir.mkdir(parents=True, exist_ok=True)
    options = Options(
        workdir=workdir.resolve(),
        repeat=args.repeat,
        edits=args.edits,
        searches=args.searches,
        requests=args.requests,
        burst=args.burst,
        seed=args.seed,
        engines=tuple(args.engines),
    )
    load_before = os.getloadavg()[0]
    results: list[SizeResult] = []
    started = time.monotonic()
    for notes in args.notes:
        for engine in options.engines:
            results.append(measure(notes, options, _progress(started), engine))
    command = "python -m benchmarks " + shlex.join(argv if argv is not None else sys.argv[1:])
    report.write(args.output, results, command.strip(), (load_before, os.getloadavg()[0]))
    report.dump(workdir / "results.json", results)
    print(f"wrote {args.output} (samples in {workdir / 'results.json'})", flush=True)
    return 0


def _progress(started: float) -> Callable[[str], None]:
    def say(message: str) -> None:
        print(f"{time.monotonic() - started:7.1f}s {message}", flush=True)

    return say


if __name__ == "__main__":
    raise SystemExit(main())
