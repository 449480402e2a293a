"""Auditors' reads of the log: events with their payloads, states as they were (no command)."""
