"""The audit index: where each event of the log sits, by house, partner, actor, type and day."""
