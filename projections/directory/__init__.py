"""The directory read model: houses, counters, lines, agents, accreditations, grants, catalogue."""
