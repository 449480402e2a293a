"""The service catalogue."""
