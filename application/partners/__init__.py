"""Registering the partner bodies."""
