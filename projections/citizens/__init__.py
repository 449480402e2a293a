"""The access log: every read of a citizen's personal data, for auditors (no personal data)."""
