"""Demo meetings (filled below)."""
