"""Benchmarks, one module per figure: `python -m bench.NAME` (see DESIGN.md "Run, test, benchmark")."""
