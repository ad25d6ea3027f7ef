"""Demo data for 一生一案 (filled in below)."""
