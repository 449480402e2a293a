"""Read-model databases (SQLite file beside the events, or PostgreSQL's read schema) and runners."""
