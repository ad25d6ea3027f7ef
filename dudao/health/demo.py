"""Demo data for health (filled below)."""
