"""Demo duty data (filled in below)."""
