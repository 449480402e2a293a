"""Delivering what a house took for a partner to the partner's system, and its confirmation."""
