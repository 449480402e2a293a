"""The services each partner offers through the houses, changed only by events."""
