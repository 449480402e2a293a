"""Services houses, their counters and service lines, and the agents who work there."""
