"""Home items (filled below)."""
