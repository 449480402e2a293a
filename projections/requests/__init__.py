"""Requests per house and per partner, with their status and deadline; contacts without a file."""
