"""Adapters: event stores on SQLite and PostgreSQL, settings, clock, reference data."""
