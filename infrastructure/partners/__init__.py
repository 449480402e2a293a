"""Reaching partners' systems: the HTTP adapter and the delivery process's work list."""
