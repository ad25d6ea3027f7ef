"""Demo risk points: placeholder until the step below is filled in."""
