"""Delegation grants: what a partner delegates to a house, when, and within what limits."""
