"""Houses, counters, lines and agents."""
