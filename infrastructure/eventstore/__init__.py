"""Dar's event store: the library's recorders, extended with command keys and read checks."""
