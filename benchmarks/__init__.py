"""The benchmark: a seeded vault generator and one runner that measures iiv as a user meets it.

`python -m benchmarks --notes 10000 50000` measures, and writes `docs/performance.md`.
"""
