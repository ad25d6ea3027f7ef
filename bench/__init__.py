"""Benchmarks, one module per figure: `python -m bench.NAME` (see docs/design.md "Run, test, benchmark")."""
