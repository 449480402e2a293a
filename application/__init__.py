"""Command handlers of Dar over the one shared event store."""
