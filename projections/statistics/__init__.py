"""Governance statistics per house, business day, line, hour, partner and service."""
